using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.StoreBench;

/// <summary>
/// Level (a): the <see cref="IDocumentStore"/> implementations called directly by many concurrent appenders (what
/// the document grains do: each append completes when durable), against a plain one-commit-per-update loop on the
/// same database as the reference.
/// </summary>
internal sealed class StoreThroughput(BenchSettings settings, IReadOnlyList<byte[]> keystrokes, Action<Figure> report)
{
    public const string HotDoc = "hot-doc";
    public const string ThousandDocs = "1000-docs";

    private (string Scenario, int Writers, Func<int, string> DocOf)[] Scenarios =>
    [
        (HotDoc, settings.HotDocWriters, _ => "hot"),
        (ThousandDocs, settings.Documents, w => "doc-" + w.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    public async Task PostgresAsync(ThrowawayPostgres server)
    {
        foreach (var (scenario, writers, docOf) in Scenarios)
        {
            // A fresh database per scenario, so each starts from the same empty tables.
            var connectionString = await server.CreateDatabaseAsync("store");
            await PostgresMigratorRunner.MigrateAsync(connectionString);
            await using (var dataSource = NpgsqlDataSource.Create(connectionString))
            {
                await using var store = new PostgresDocumentStore(dataSource, Options.Create(new PostgresStoreOptions()), NullLogger<PostgresDocumentStore>.Instance);
                await MeasureStoreAsync("postgres", scenario, writers, docOf, store, () => (store.BatchesCommitted, store.UpdatesCommitted));
            }
            // Reference: every update its own INSERT + COMMIT (autocommit), same number of concurrent writers, on a
            // pool as large as the store's default (100); PostgreSQL still flushes concurrent commits together.
            var referenceConnection = server.ConnectionStringFor(new NpgsqlConnectionStringBuilder(connectionString).Database!, maxPoolSize: Math.Min(writers, 100));
            await using var reference = NpgsqlDataSource.Create(referenceConnection);
            await MeasureAsync("postgres-reference", scenario, writers, async (worker, i) =>
            {
                await using var command = reference.CreateCommand("INSERT INTO doc_updates (doc_id, data) VALUES ($1, $2) RETURNING seq");
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = docOf(worker) });
                command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = Keystroke(worker, i), NpgsqlDbType = NpgsqlDbType.Bytea });
                await command.ExecuteScalarAsync();
            }, null, $"one INSERT ... RETURNING + COMMIT per update, {writers} concurrent writers, pool {Math.Min(writers, 100)}");
        }
    }

    public async Task SqliteAsync()
    {
        foreach (var (scenario, writers, docOf) in Scenarios)
        {
            var directory = Directory.CreateTempSubdirectory("spotter-bench-sqlite-").FullName;
            try
            {
                var options = Options.Create(new SqliteStoreOptions { DataDirectory = directory });
                var database = new SqliteDatabase(options);
                await using (var store = new SqliteDocumentStore(database, options, NullLogger<SqliteDocumentStore>.Instance))
                {
                    await MeasureStoreAsync("sqlite", scenario, writers, docOf, store, () => (store.BatchesCommitted, store.UpdatesCommitted));
                }
                // Reference: one transaction per update on one connection with the store's own settings (WAL,
                // synchronous=FULL). SQLite has one writer at a time, so concurrent writers would only queue on its lock.
                using var connection = database.Open();
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO doc_updates(doc_id, data) VALUES ($doc, $data) RETURNING seq";
                var doc = insert.Parameters.Add("$doc", SqliteType.Text);
                var data = insert.Parameters.Add("$data", SqliteType.Blob);
                using var gate = new SemaphoreSlim(1, 1);
                await MeasureAsync("sqlite-reference", scenario, writers, async (worker, i) =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        using var transaction = connection.BeginTransaction();
                        insert.Transaction = transaction;
                        doc.Value = docOf(worker);
                        data.Value = Keystroke(worker, i);
                        insert.ExecuteScalar();
                        transaction.Commit();
                    }
                    finally
                    {
                        gate.Release();
                    }
                }, null, $"one transaction per update (BEGIN; INSERT ... RETURNING; COMMIT), one connection, {writers} writers taking turns");
            }
            finally
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private Task MeasureStoreAsync(string store, string scenario, int writers, Func<int, string> docOf, IDocumentStore documents, Func<(long Batches, long Updates)> counters) =>
        MeasureAsync(store, scenario, writers, (worker, i) => documents.AppendAsync(docOf(worker), Keystroke(worker, i)), counters,
            $"IDocumentStore.AppendAsync, {writers} concurrent appenders, each waiting for its acknowledgement (group commit)");

    private async Task MeasureAsync(string store, string scenario, int writers, Func<int, long, Task> append, Func<(long Batches, long Updates)>? counters, string method)
    {
        var batchSizes = new List<double>();
        var rounds = await Harness.RoundsAsync(settings.Warmup, settings.Rounds, async _ =>
        {
            var before = counters?.Invoke() ?? default;
            var round = await Harness.ClosedLoopAsync(writers, settings.RoundDuration, append);
            if (counters is not null)
            {
                var after = counters();
                var batches = after.Batches - before.Batches;
                if (batches > 0) batchSizes.Add((double)(after.Updates - before.Updates) / batches);
            }
            return round;
        });
        var extra = new JsonObject
        {
            ["writers"] = writers,
            ["ackP50Ms"] = Math.Round(Harness.Median(rounds.Select(r => r.P50Ms)), 2),
            ["ackP99Ms"] = Math.Round(Harness.Median(rounds.Select(r => r.P99Ms)), 2),
            ["method"] = method,
        };
        if (batchSizes.Count > 0) extra["updatesPerCommit"] = Math.Round(Harness.Median(batchSizes.Skip(settings.Warmup)), 1);
        report(new Figure("store", store, scenario, "updates/s", Harness.Median(rounds.Select(r => r.PerSecond)), [.. rounds.Select(r => r.PerSecond)], extra));
    }

    private byte[] Keystroke(int worker, long i) => keystrokes[(int)((worker * 7919L + i) % keystrokes.Count)];
}

internal static class PostgresMigratorRunner
{
    public static Task MigrateAsync(string connectionString) => Spotter.Collab.Storage.Postgres.PostgresMigrator.MigrateAsync(connectionString);
}
