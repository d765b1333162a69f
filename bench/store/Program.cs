using Spotter.Collab.Bench;
using Spotter.Collab.StoreBench;

// Document store and cluster benchmark (docs/benchmarks.md, "Document store and cluster"):
//   dotnet bench/store/bin/Release/net10.0/Spotter.Collab.StoreBench.dll [--rounds 5] [--warmup 1] [--seconds 3]
//       [--only store,e2e,activation] [--stores postgres,sqlite] [--documents 1000] [--hot-writers 64]
//       [--hot-clients 32] [--activation-mb 10] [--markdown docs/benchmarks.md] [--data ../shared/data/editing-traces]
// Prints one JSON line per figure on stdout (progress on stderr); with --markdown rewrites its section.
var settings = BenchSettings.Parse(args);
var root = RepositoryRoot();
var data = settings.DataDirectory ?? Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "editing-traces"));
var tracePath = Path.Combine(data, "sequential", "automerge-paper.json.gz");
if (!File.Exists(tracePath))
{
    await Console.Error.WriteLineAsync($"{tracePath} is missing: the benchmark types real keystrokes from the automerge-paper trace (see ../shared/data/editing-traces/README.md, or pass --data).");
    return 2;
}
var trace = SequentialTrace.Load("automerge-paper", tracePath);
var figures = new List<Figure>();
void Report(Figure figure)
{
    figures.Add(figure);
    Console.WriteLine(figure.ToJson().ToJsonString());
}
void Progress(string line) => Console.Error.WriteLine($"== {DateTime.UtcNow:HH:mm:ss} {line}");

// 20,000 real keystroke updates (median ~25 bytes) for the store-level appenders.
var typist = new Typist(trace, 77);
var keystrokes = Enumerable.Range(0, 20_000).Select(_ => typist.Next()).ToArray();
bool Wants(string part, string store) => settings.Parts.Contains(part) && settings.Stores.Contains(store);

var environment = MachineInfo.Capture();
ThrowawayPostgres? postgres = null;
try
{
    if (settings.Stores.Contains("postgres"))
    {
        Progress("starting a throwaway PostgreSQL (initdb, fsync=on, 127.0.0.1)");
        postgres = await ThrowawayPostgres.StartAsync();
        environment.PostgresVersion = postgres.Version;
    }
    var store = new StoreThroughput(settings, keystrokes, Report);
    if (Wants("store", "postgres")) { Progress("store level: PostgreSQL"); await store.PostgresAsync(postgres!); }
    if (Wants("store", "sqlite")) { Progress("store level: SQLite"); await store.SqliteAsync(); }
    var endToEnd = new EndToEnd(settings, trace, root, Report);
    if (Wants("e2e", "postgres")) { Progress("end to end: silo + web host on PostgreSQL"); await endToEnd.PostgresAsync(postgres!); }
    if (Wants("e2e", "sqlite")) { Progress("end to end: web host with embedded silo on SQLite"); await endToEnd.SqliteAsync(); }
    if (settings.Parts.Contains("activation"))
    {
        Progress($"building a {settings.ActivationBytes / 1e6:F0} MB document from automerge-paper");
        var document = BigDocument.Build(trace, settings.ActivationBytes, 1000);
        var activation = new Activation(settings, document, Report);
        if (settings.Stores.Contains("postgres")) { Progress("activation: PostgreSQL"); await activation.PostgresAsync(postgres!); }
        if (settings.Stores.Contains("sqlite")) { Progress("activation: SQLite"); await activation.SqliteAsync(); }
    }
}
finally
{
    if (postgres is not null) await postgres.DisposeAsync();
}
environment.LoadAverageAfter = MachineInfo.LoadAverage();
if (settings.Markdown is not null)
{
    StoreReport.WriteSection(settings.Markdown, figures, settings, environment);
    Progress($"wrote {settings.Markdown}");
}
return 0;

static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Spotter.Collab.sln"))) return dir.FullName;
    }
    throw new InvalidOperationException("Spotter.Collab.sln not found above " + AppContext.BaseDirectory);
}
