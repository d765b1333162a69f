using System.Globalization;

namespace Spotter.Collab.Bench;

public sealed record BenchOptions(int Runs, int Warmup, IReadOnlySet<string>? Only, string? YjsResults, string? Markdown, string DataDirectory)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        int Number(string name, int fallback) =>
            Value(name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

        var runsFromEnvironment = Environment.GetEnvironmentVariable("BENCH_RUNS");
        var runs = Number("runs", runsFromEnvironment is null ? 5 : int.Parse(runsFromEnvironment, CultureInfo.InvariantCulture));
        return new BenchOptions(
            Runs: Math.Max(1, runs),
            Warmup: Number("warmup", 1),
            Only: Value("only")?.Split(',').ToHashSet(),
            YjsResults: Value("yjs"),
            Markdown: Value("markdown"),
            DataDirectory: Value("data") ?? Path.GetFullPath(Path.Combine(FindRepoRoot(), "..", "shared", "data", "editing-traces")));
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Spotter.Collab.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
