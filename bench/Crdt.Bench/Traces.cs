using System.IO.Compression;
using System.Text.Json;

namespace Spotter.Collab.Bench;

/// <summary>A sequential editing trace, flattened: txn i covers patches [TxnStart[i], TxnStart[i+1]).</summary>
public sealed class SequentialTrace
{
    public required string Name { get; init; }
    public required string EndContent { get; init; }
    public required int[] TxnStart { get; init; }
    public required int[] Position { get; init; }
    public required int[] DeleteCount { get; init; }
    public required string[] Inserted { get; init; }

    public int TxnCount => TxnStart.Length - 1;

    /// <summary>Reads <c>{ endContent, txns: [{ patches: [[pos, del, ins], ...] }] }</c> from a .json.gz file.</summary>
    public static SequentialTrace Load(string name, string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var json = JsonDocument.Parse(gzip);
        var root = json.RootElement;
        var txnStart = new List<int>();
        var position = new List<int>();
        var deleteCount = new List<int>();
        var inserted = new List<string>();
        foreach (var txn in root.GetProperty("txns").EnumerateArray())
        {
            txnStart.Add(position.Count);
            foreach (var patch in txn.GetProperty("patches").EnumerateArray())
            {
                position.Add(patch[0].GetInt32());
                deleteCount.Add(patch[1].GetInt32());
                inserted.Add(patch[2].GetString() ?? "");
            }
        }

        txnStart.Add(position.Count);
        return new SequentialTrace
        {
            Name = name,
            EndContent = root.GetProperty("endContent").GetString() ?? "",
            TxnStart = [.. txnStart],
            Position = [.. position],
            DeleteCount = [.. deleteCount],
            Inserted = [.. inserted],
        };
    }
}
