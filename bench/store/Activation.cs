using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Spotter.Collab.Bench;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.StoreBench;

/// <summary>
/// A document of about 10 MB built from real editing: the automerge-paper trace typed again and again by different
/// authors into separate text roots of one document, until its encoded state reaches the target size. Stored two ways:
/// as a snapshot plus a log tail of 1,000 keystrokes (the most a document accumulates before the grain compacts it),
/// and as a log only (the same history as ~1,000 entries, each the update of a run of keystrokes, no snapshot).
/// </summary>
internal sealed class BigDocument
{
    private const int TailKeystrokes = 1000;

    public required byte[] Snapshot { get; init; }
    public required IReadOnlyList<byte[]> Tail { get; init; }
    public required IReadOnlyList<byte[]> Log { get; init; }
    public required int Copies { get; init; }
    public required string FirstRootText { get; init; }

    public static BigDocument Build(SequentialTrace trace, long targetBytes, int logEntries)
    {
        // One copy first, to know how many the target needs.
        var probe = new Typist(trace, 1);
        while (probe.HasNext) probe.Next();
        var copies = (int)Math.Ceiling(targetBytes / (double)probe.EncodeState().Length);
        var keystrokesPerChunk = (int)Math.Ceiling(trace.TxnCount * (double)copies / logEntries);

        var whole = new Doc(new DocOptions { ClientId = 999_999 });
        var log = new List<byte[]>(logEntries + copies);
        for (var copy = 0; copy < copies; copy++)
        {
            var typist = new Typist(trace, 1000 + (ulong)copy, RootName(copy));
            var chunkStart = typist.EncodeStateVector();
            var inChunk = 0;
            while (typist.HasNext)
            {
                typist.Next();
                if (++inChunk == keystrokesPerChunk || !typist.HasNext)
                {
                    // One log entry for a run of keystrokes: what the typist's doc gained since the run began.
                    log.Add(typist.EncodeState(chunkStart));
                    chunkStart = typist.EncodeStateVector();
                    inChunk = 0;
                }
            }
            whole.ApplyUpdate(typist.EncodeState());
        }
        var tailTypist = new Typist(trace, 5000, "tail");
        var tail = Enumerable.Range(0, TailKeystrokes).Select(_ => tailTypist.Next()).ToArray();
        var first = whole.GetText(RootName(0)).ToString();
        if (first != trace.EndContent) throw new InvalidOperationException("the big document's first root does not hold the trace's end content");
        return new BigDocument { Snapshot = whole.EncodeStateAsUpdate(), Tail = tail, Log = log, Copies = copies, FirstRootText = first };
    }

    public static string RootName(int copy) => "paper-" + copy.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Time for a 10 MB document to activate from storage: <see cref="IDocumentStore.LoadAsync"/> + decode
/// (<see cref="DocumentState.Load"/>), exactly what <c>DocumentGrain.OnActivateAsync</c> does for the content.</summary>
internal sealed class Activation(BenchSettings settings, BigDocument document, Action<Figure> report)
{
    private const string WithSnapshot = "doc-snapshot";
    private const string LogOnly = "doc-log";

    public async Task PostgresAsync(ThrowawayPostgres server)
    {
        var connectionString = await server.CreateDatabaseAsync("activation");
        await PostgresMigratorRunner.MigrateAsync(connectionString);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var store = new PostgresDocumentStore(dataSource, Options.Create(new PostgresStoreOptions()), NullLogger<PostgresDocumentStore>.Instance);
        await MeasureAsync("postgres", store);
    }

    public async Task SqliteAsync()
    {
        var directory = Directory.CreateTempSubdirectory("spotter-bench-sqlite-").FullName;
        try
        {
            var options = Options.Create(new SqliteStoreOptions { DataDirectory = directory });
            await using var store = new SqliteDocumentStore(new SqliteDatabase(options), options, NullLogger<SqliteDocumentStore>.Instance);
            await MeasureAsync("sqlite", store);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task MeasureAsync(string storeName, IDocumentStore store)
    {
        await store.CompactAsync(WithSnapshot, document.Snapshot, 0);
        // Issued together, committed in order by the group commit.
        await Task.WhenAll(document.Tail.Select(update => store.AppendAsync(WithSnapshot, update)));
        await Task.WhenAll(document.Log.Select(update => store.AppendAsync(LogOnly, update)));

        foreach (var (scenario, label) in new[] { (WithSnapshot, "snapshot + 1,000-keystroke log tail"), (LogOnly, "log only (no snapshot)") })
        {
            var loads = new List<double>();
            var decodes = new List<double>();
            long storedBytes = 0;
            int entries = 0;
            var rounds = await Harness.RoundsAsync(settings.Warmup, settings.Rounds, async round =>
            {
                // Each round starts without the previous round's document in the heap.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                var clock = Stopwatch.StartNew();
                var stored = await store.LoadAsync(scenario);
                var loaded = clock.Elapsed.TotalMilliseconds;
                var state = DocumentState.Load(stored);
                var total = clock.Elapsed.TotalMilliseconds;
                if (JsonSerializer.Deserialize<string>(state.ReadRootJson(BigDocument.RootName(0), RootKind.Text)!) != document.FirstRootText)
                {
                    throw new InvalidOperationException($"{storeName}/{scenario}: the activated document does not hold the stored content");
                }
                storedBytes = (stored.Snapshot?.Length ?? 0) + stored.Tail.Sum(u => (long)u.Update.Length);
                entries = stored.Tail.Count;
                if (round >= 0)
                {
                    loads.Add(loaded);
                    decodes.Add(total - loaded);
                }
                return total;
            });
            report(new Figure("activation", storeName, scenario, "ms", Harness.Median(rounds), rounds, new JsonObject
            {
                ["loadMs"] = Math.Round(Harness.Median(loads), 2),
                ["decodeMs"] = Math.Round(Harness.Median(decodes), 2),
                ["storedBytes"] = storedBytes,
                ["logEntries"] = entries,
                ["snapshotBytes"] = scenario == WithSnapshot ? document.Snapshot.Length : 0,
                ["copiesOfTrace"] = document.Copies,
                ["method"] = $"{label}: IDocumentStore.LoadAsync + DocumentState.Load, warm cache",
            }));
        }
    }
}
