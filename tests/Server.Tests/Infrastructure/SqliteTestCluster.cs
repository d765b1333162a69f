using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.Server.Tests.Infrastructure;

/// <summary>
/// In-process test clusters whose silos store everything in SQLite under a data directory passed in the cluster's
/// configuration, so every cluster can have a directory of its own (SQLite pools connections by file name: a reused
/// name could hand the next cluster a pooled connection to a deleted file).
/// </summary>
public static class SqliteTestCluster
{
    private const string DataDirectoryKey = "Storage:DataDirectory";

    /// <summary>A cluster of <paramref name="silos"/> storing in <paramref name="dataDirectory"/>, each silo configured by
    /// <typeparamref name="TConfigurator"/> after the SQLite storage is registered (so it may replace a store).</summary>
    public static TestCluster Build<TConfigurator>(string dataDirectory, short silos = 1)
        where TConfigurator : ISiloConfigurator, new()
    {
        var builder = new TestClusterBuilder(silos);
        builder.Properties[DataDirectoryKey] = dataDirectory;
        builder.AddSiloBuilderConfigurator<SqliteStorage>();
        builder.AddSiloBuilderConfigurator<TConfigurator>();
        return builder.Build();
    }

    private sealed class SqliteStorage : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var dataDirectory = siloBuilder.Configuration[DataDirectoryKey]
                ?? throw new InvalidOperationException($"the test cluster has no {DataDirectoryKey}");
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                [DataDirectoryKey] = dataDirectory,
            }).Build();
            siloBuilder.Services.AddSqliteStorage(configuration);
        }
    }
}
