using Spotter.Collab.Grains.Audit;

namespace Spotter.Collab.Server.Tests.Audit;

/// <summary>What every <see cref="IAuditLog"/> must do; run against SQLite here and PostgreSQL in the cluster tests.</summary>
public abstract class AuditLogContractTests
{
    protected abstract IAuditLog OpenLog();

    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Entries_come_back_newest_first_with_every_field()
    {
        var log = OpenLog();
        await log.AppendAsync(new AuditEntry("alice", AuditActions.Login, "alice", null, "10.0.0.1", T0));
        await log.AppendAsync(new AuditEntry("alice", AuditActions.GrantAdded, "page-1", "user:bob edit", "10.0.0.1", T0.AddMinutes(1)));

        var entries = await log.QueryAsync(new AuditQuery());

        Assert.Equal([AuditActions.GrantAdded, AuditActions.Login], entries.Select(e => e.Action));
        var grant = entries[0];
        Assert.Equal(("alice", "page-1", "user:bob edit", "10.0.0.1", T0.AddMinutes(1)), (grant.Actor, grant.Target, grant.Detail, grant.SourceAddress, grant.Time));
        Assert.True(entries[0].Sequence > entries[1].Sequence);
        Assert.Null(entries[1].Detail);
    }

    [Fact]
    public async Task Filters_combine_and_paging_walks_backwards()
    {
        var log = OpenLog();
        for (var i = 0; i < 10; i++)
        {
            await log.AppendAsync(new AuditEntry(i % 2 == 0 ? "alice" : "bob", i < 5 ? AuditActions.Login : AuditActions.Export, $"doc-{i % 3}", null, null, T0.AddMinutes(i)));
        }

        Assert.Equal(5, (await log.QueryAsync(new AuditQuery(Actor: "alice"))).Count);
        Assert.Equal(3, (await log.QueryAsync(new AuditQuery(Actor: "alice", Action: AuditActions.Login))).Count);
        Assert.Equal(4, (await log.QueryAsync(new AuditQuery(Target: "doc-0"))).Count);
        var window = await log.QueryAsync(new AuditQuery(From: T0.AddMinutes(2), To: T0.AddMinutes(5)));
        Assert.Equal([T0.AddMinutes(4), T0.AddMinutes(3), T0.AddMinutes(2)], window.Select(e => e.Time));

        var firstPage = await log.QueryAsync(new AuditQuery(Limit: 4));
        var secondPage = await log.QueryAsync(new AuditQuery(Limit: 4, Before: firstPage[^1].Sequence));
        Assert.Equal(4, secondPage.Count);
        Assert.Empty(firstPage.Select(e => e.Sequence).Intersect(secondPage.Select(e => e.Sequence)));
        Assert.True(secondPage[0].Sequence < firstPage[^1].Sequence);
    }

    [Fact]
    public async Task Oversized_or_empty_fields_are_refused_and_nothing_is_written()
    {
        var log = OpenLog();
        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(new AuditEntry("mallory", AuditActions.LoginFailed, new string('x', 5000))));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => log.AppendAsync(new AuditEntry("", AuditActions.LoginFailed, null)));
        Assert.Empty(await log.QueryAsync(new AuditQuery()));
    }
}
