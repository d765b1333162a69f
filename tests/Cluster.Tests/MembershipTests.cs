using System.Data;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using Orleans.Messaging;
using Spotter.Collab.Storage.Postgres;

namespace Spotter.Collab.Cluster.Tests;

[Collection(PostgresGroup.Name)]
public sealed class MembershipTests(PostgresFixture postgres)
{
    private const int Active = 3;
    private const int Dead = 6;

    [Fact]
    public async Task Two_silos_join_one_cluster_through_the_membership_table_and_serve_a_client()
    {
        var connectionString = await MigratedDatabaseAsync("join");
        await using var first = await TestSilo.StartAsync(connectionString, "join");
        await using var second = await TestSilo.StartAsync(connectionString, "join");

        var table = await WaitForAsync(first.MembershipTable, t => t.Members.Count(m => m.Item1.Status == SiloStatus.Active) == 2);
        Assert.Equal(
            new[] { first.Address, second.Address }.Order(),
            table.Members.Select(m => m.Item1.SiloAddress).Order());
        foreach (var (entry, etag) in table.Members)
        {
            Assert.Equal(table.Version.VersionEtag, etag);
            // Within a minute of now: a time zone mix-up would be hours off (the test server runs at +05:30).
            Assert.InRange(entry.StartTime, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
            Assert.InRange(entry.IAmAliveTime, entry.StartTime.AddSeconds(-1), DateTime.UtcNow.AddMinutes(1));
            Assert.Equal(DateTimeKind.Utc, entry.StartTime.Kind);
        }
        // Every membership write bumps the table version (two inserts, then each silo's status changes).
        Assert.True(table.Version.Version >= 4, $"table version {table.Version.Version}");
        var hosts = await first.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);

        // A client finds the gateways through the same table (GatewaysQueryKey) and reaches grains on the cluster.
        using var client = new HostBuilder()
            .UseOrleansClient(builder =>
            {
                builder.Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = "join";
                    options.ServiceId = "spotter-tests";
                });
                builder.UseAdoNetClustering(options =>
                {
                    options.Invariant = TestSilo.Invariant;
                    options.ConnectionString = connectionString;
                });
            })
            .Build();
        await client.StartAsync();
        var gateways = await client.Services.GetRequiredService<IGatewayListProvider>().GetGateways();
        Assert.Equal(
            new[] { first.GatewayPort, second.GatewayPort }.Order(),
            gateways.Select(uri => uri.Port).Order());
        Assert.All(gateways, uri => Assert.Equal(IPAddress.Loopback.ToString(), uri.Host));
        var counter = client.Services.GetRequiredService<IClusterClient>().GetGrain<ICounterGrain>("via-client");
        Assert.Equal(9, await counter.Add(9, "client"));
        await client.StopAsync();
    }

    [Fact]
    public async Task A_stopped_silo_is_marked_dead_and_defunct_cleanup_removes_only_its_row()
    {
        var connectionString = await MigratedDatabaseAsync("leave");
        await using var survivor = await TestSilo.StartAsync(connectionString, "leave");
        var leaving = await TestSilo.StartAsync(connectionString, "leave");
        var leavingAddress = leaving.Address;
        await WaitForAsync(survivor.MembershipTable, t => t.Members.Count(m => m.Item1.Status == SiloStatus.Active) == 2);

        await leaving.StopAsync();
        leaving.Host.Dispose();

        var afterStop = await WaitForAsync(survivor.MembershipTable,
            t => t.Members.Any(m => m.Item1.SiloAddress.Equals(leavingAddress) && m.Item1.Status == SiloStatus.Dead));
        Assert.Equal(SiloStatus.Active, afterStop.Members.Single(m => m.Item1.SiloAddress.Equals(survivor.Address)).Item1.Status);
        var single = await survivor.MembershipTable.ReadRowAsync(leavingAddress);
        Assert.Equal(SiloStatus.Dead, Assert.Single(single.Members).Item1.Status);

        // Only rows of dead silos whose last heartbeat is older than the cut-off go.
        await survivor.MembershipTable.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddMinutes(-10));
        Assert.Equal(2, (await survivor.MembershipTable.ReadAllAsync()).Members.Count);
        await survivor.MembershipTable.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddSeconds(5));
        var afterCleanup = await survivor.MembershipTable.ReadAllAsync();
        Assert.Equal(survivor.Address, Assert.Single(afterCleanup.Members).Item1.SiloAddress);
        Assert.Equal([Active], await MigrationTests.QueryListAsync<int>(connectionString, "SELECT status FROM orleans_membership"));
    }

    [Fact]
    public async Task Deleting_the_cluster_entries_removes_its_rows_and_version_only()
    {
        var connectionString = await MigratedDatabaseAsync("delete");
        await using (var other = await TestSilo.StartAsync(connectionString, "other-cluster"))
        {
            var doomed = await TestSilo.StartAsync(connectionString, "doomed");
            await doomed.StopAsync();

            await doomed.MembershipTable.DeleteMembershipTableEntriesAsync("doomed");
            doomed.Host.Dispose();

            Assert.Equal(["other-cluster"], await MigrationTests.QueryListAsync<string>(connectionString,
                "SELECT deployment_id FROM orleans_membership_version"));
            Assert.Equal(["other-cluster"], await MigrationTests.QueryListAsync<string>(connectionString,
                "SELECT deployment_id FROM orleans_membership"));
        }
    }

    [Fact]
    public async Task Writes_with_a_stale_table_version_are_rejected()
    {
        var connectionString = await MigratedDatabaseAsync("stale");
        await using var silo = await TestSilo.StartAsync(connectionString, "stale");
        var table = silo.MembershipTable;
        var snapshot = await table.ReadAllAsync();
        var (entry, etag) = snapshot.Members.Single();

        var phantom = new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, 1, 1),
            SiloName = "phantom",
            HostName = "phantom-host",
            Status = SiloStatus.Joining,
            ProxyPort = 0,
            StartTime = DateTime.UtcNow,
            IAmAliveTime = DateTime.UtcNow,
        };
        var stale = new TableVersion(snapshot.Version.Version - 1, (snapshot.Version.Version - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(await table.InsertRowAsync(phantom, stale));
        Assert.False(await table.UpdateRowAsync(entry, stale.VersionEtag, stale));

        Assert.True(await table.InsertRowAsync(phantom, snapshot.Version));
        // The same silo cannot be inserted twice, even with the now-current version.
        var current = await table.ReadAllAsync();
        Assert.False(await table.InsertRowAsync(phantom, current.Version));
        Assert.Equal(current.Version.Version, (await table.ReadAllAsync()).Version.Version);
        Assert.Equal(2, current.Members.Count);
        Assert.Equal(snapshot.Version.Version + 1, current.Version.Version);
        Assert.NotEqual(etag, current.Version.VersionEtag);
    }

    [Fact]
    public async Task A_silo_that_vanishes_without_saying_goodbye_is_voted_dead_by_the_survivor()
    {
        var connectionString = await MigratedDatabaseAsync("crash");
        // Orleans connections are bidirectional, so both silos sit behind proxies: cutting both cuts every link
        // between them, in either direction.
        await using var survivorNetwork = new TcpProxy();
        await using var victimNetwork = new TcpProxy();
        await using var survivor = await TestSilo.StartAsync(connectionString, "crash", configure: FastFailureDetection, siloProxy: survivorNetwork);
        var victim = await TestSilo.StartAsync(connectionString, "crash", siloProxy: victimNetwork, configure: silo =>
        {
            FastFailureDetection(silo);
            // The victim keeps running (its process is not really gone) but must not vote the survivor out in turn.
            silo.Configure<ClusterMembershipOptions>(options => options.LivenessEnabled = false);
        });
        var victimAddress = victim.Address;
        Assert.Equal(victimNetwork.Port, victimAddress.Endpoint.Port);
        await WaitForAsync(survivor.MembershipTable, t => t.Members.Count(m => m.Item1.Status == SiloStatus.Active) == 2);

        // To the cluster the victim's host is now gone: probes go unanswered and it never records its own death,
        // so the survivor has to notice and declare it dead in the table.
        victimNetwork.Sever();
        survivorNetwork.Sever();

        var declared = await WaitForAsync(survivor.MembershipTable,
            t => t.Members.Any(m => m.Item1.SiloAddress.Equals(victimAddress) && m.Item1.Status == SiloStatus.Dead),
            timeoutSeconds: 45);
        var victimEntry = declared.Members.Single(m => m.Item1.SiloAddress.Equals(victimAddress)).Item1;
        // The death was written by the survivor through UpdateMembershipKey, with its vote in SuspectTimes.
        Assert.Contains(victimEntry.SuspectTimes ?? [], vote => vote.Item1.Equals(survivor.Address));
        var hosts = await survivor.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(survivor.Address, Assert.Single(hosts).Key);
        // The victim still reads the table, learns it was declared dead and gives up (Orleans reports that as fatal).
        var verdict = await victim.FatalErrors.FirstFatalError.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("dead", verdict, StringComparison.OrdinalIgnoreCase);
        Assert.False(survivor.FatalErrors.FirstFatalError.IsCompleted);
        victim.Host.Dispose();
    }

    private static void FastFailureDetection(ISiloBuilder silo) => silo.Configure<ClusterMembershipOptions>(options =>
    {
        options.ProbeTimeout = TimeSpan.FromSeconds(1);
        options.NumMissedProbesLimit = 2;
        options.NumVotesForDeathDeclaration = 1;
        options.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
    });

    [Fact]
    public async Task Bulk_defunct_cleanup_query_removes_only_dead_rows_older_than_the_cutoff()
    {
        // Orleans 10.4 prefers the per-row CleanupDefunctSiloEntryKey, so the bulk fallback is exercised here directly,
        // with parameters typed the way the provider types them (String, DateTime with Kind=Utc).
        var connectionString = await MigratedDatabaseAsync("bulk_cleanup");
        await MigrationTests.ExecuteAsync(connectionString, """
            INSERT INTO orleans_membership_version (deployment_id, version) VALUES ('c', 7), ('other', 1);
            INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port,
                                            suspect_times, start_time, i_am_alive_time) VALUES
              ('c', '10.0.0.1', 1, 1, 'old-dead', 'h', 6, 0, '10.0.0.2:1@1,2020-01-01 00:00:00.000 GMT', '2020-01-01Z', '2020-01-02Z'),
              ('c', '10.0.0.1', 2, 1, 'recent-dead', 'h', 6, 0, NULL, '2020-01-01Z', now()),
              ('c', '10.0.0.1', 3, 1, 'old-active', 'h', 3, 30000, NULL, '2020-01-01Z', '2020-01-02Z'),
              ('other', '10.0.0.1', 4, 1, 'other-cluster-dead', 'h', 6, 0, NULL, '2020-01-01Z', '2020-01-02Z');
            """);
        var query = await MigrationTests.ScalarAsync<string>(connectionString,
            "SELECT querytext FROM orleansquery WHERE querykey = 'CleanupDefunctSiloEntriesKey'");

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(query, connection);
            command.Parameters.Add(new NpgsqlParameter("DeploymentId", DbType.String) { Value = "c" });
            command.Parameters.Add(new NpgsqlParameter("IAmAliveTime", DbType.DateTime) { Value = DateTime.UtcNow.AddHours(-1) });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        Assert.Equal(["old-active", "other-cluster-dead", "recent-dead"], await MigrationTests.QueryListAsync<string>(connectionString,
            "SELECT silo_name FROM orleans_membership ORDER BY silo_name"));
        Assert.Equal(7, await MigrationTests.ScalarAsync<int>(connectionString, "SELECT version FROM orleans_membership_version WHERE deployment_id = 'c'"));
    }

    private async Task<string> MigratedDatabaseAsync(string name)
    {
        var connectionString = await postgres.CreateDatabaseAsync(name);
        await PostgresMigrator.MigrateAsync(connectionString);
        return connectionString;
    }

    private static async Task<MembershipTableData> WaitForAsync(IMembershipTable table, Func<MembershipTableData, bool> condition, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var data = await table.ReadAllAsync();
            if (condition(data))
            {
                return data;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Membership did not reach the expected state within {timeoutSeconds}s: {data}");
            }
            await Task.Delay(200);
        }
    }
}
