using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.Grains.KnowledgeBase.Storage;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.KnowledgeBase;

/// <summary>The retention policy's own rules (the stores' use of it is in <see cref="KnowledgeBaseStoreContractTests"/>).</summary>
public sealed class VersionRetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static VersionSummary Version(long id, TimeSpan ago, string reason = "activity") => new(id, Now - ago, [], reason);

    [Fact]
    public void Tiers_use_the_configured_ages_and_keep_the_newest_of_each_period()
    {
        var options = new VersionRetentionOptions { KeepAllFor = TimeSpan.FromHours(1), HourlyFor = TimeSpan.FromHours(1), DailyFor = TimeSpan.FromDays(2) };
        VersionSummary[] versions =
        [
            Version(1, TimeSpan.FromMinutes(30)), Version(2, TimeSpan.FromMinutes(20)),      // younger than an hour: both stay
            Version(3, TimeSpan.FromHours(5)), Version(4, TimeSpan.FromHours(4)),            // same day, daily tier: 4 stays
            Version(5, TimeSpan.FromHours(6), "restore"),                                    // never pruned
            Version(6, TimeSpan.FromDays(10)), Version(7, TimeSpan.FromDays(9.9)),            // same week: 7 stays
        ];
        Assert.Equal([3L, 6L], VersionRetention.Prunable(versions, Now, options).Order());
        Assert.Empty(VersionRetention.Prunable(versions, Now, new VersionRetentionOptions { Enabled = false }));
    }

    [Fact]
    public void A_configuration_whose_tiers_shrink_is_refused_when_the_store_starts()
    {
        using var directory = new TempDirectory();
        var database = new SqliteDatabase(Options.Create(new SqliteStoreOptions { DataDirectory = directory.Path }));
        var options = Options.Create(new KnowledgeBaseOptions { VersionRetention = new VersionRetentionOptions { HourlyFor = TimeSpan.FromDays(100) } });
        Assert.Throws<InvalidOperationException>(() => new SqliteKnowledgeBaseStore(database, options));
    }
}
