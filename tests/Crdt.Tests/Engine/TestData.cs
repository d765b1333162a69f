using System.IO.Compression;
using System.Text.Json;

namespace Spotter.Collab.Crdt.Tests.Engine;

/// <summary>Locates the shared editing-trace data (../shared/data/editing-traces relative to the repo root).</summary>
internal static class TestData
{
    private static readonly Lazy<string?> Dir = new(FindDir);

    internal static string? TracesDir => Dir.Value;

    private static string? FindDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Spotter.Collab.sln")))
            {
                var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "editing-traces"));
                return Directory.Exists(candidate) ? candidate : null;
            }
        }
        return null;
    }

    internal static string PathOf(string relative) => Path.Combine(TracesDir ?? throw new InvalidOperationException("Trace data missing."), relative);

    internal sealed record Trace(string EndContent, List<List<(int Pos, int Del, string Ins)>> Txns);

    internal static Trace LoadSequential(string name)
    {
        using var file = File.OpenRead(PathOf(Path.Combine("sequential", name + ".json.gz")));
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var json = JsonDocument.Parse(gz);
        var root = json.RootElement;
        var txns = new List<List<(int, int, string)>>();
        foreach (var txn in root.GetProperty("txns").EnumerateArray())
        {
            var patches = new List<(int, int, string)>();
            foreach (var p in txn.GetProperty("patches").EnumerateArray())
            {
                patches.Add((p[0].GetInt32(), p[1].GetInt32(), p[2].GetString()!));
            }
            txns.Add(patches);
        }
        return new Trace(root.GetProperty("endContent").GetString()!, txns);
    }

    internal static Doc Replay(Trace trace, ulong clientId = 1234567890)
    {
        var doc = new Doc(new DocOptions { ClientId = clientId });
        var text = doc.GetText("text");
        foreach (var patches in trace.Txns)
        {
            doc.Transact(_ =>
            {
                foreach (var (pos, del, ins) in patches)
                {
                    if (del > 0) text.Delete(pos, del);
                    if (ins.Length > 0) text.Insert(pos, ins);
                }
            });
        }
        return doc;
    }
}

/// <summary>A fact that reports itself skipped, with the reason, when the shared trace data is absent.</summary>
public sealed class TraceDataFactAttribute : FactAttribute
{
    public TraceDataFactAttribute()
    {
        if (TestData.TracesDir is null)
            Skip = "Shared editing-trace data not found (expected ../shared/data/editing-traces next to the repository).";
    }
}

public sealed class TraceDataTheoryAttribute : TheoryAttribute
{
    public TraceDataTheoryAttribute()
    {
        if (TestData.TracesDir is null)
            Skip = "Shared editing-trace data not found (expected ../shared/data/editing-traces next to the repository).";
    }
}
