using System.Text.Json.Nodes;

namespace Spotter.Collab.Crdt.Tests.Differential;

/// <summary>
/// The same local edits, made by yjs and by the engine with the same client id, must produce the same update bytes
/// transaction by transaction. Long random edit runs with many deletions exercise the search markers (which marker
/// a position search starts from decides which side of deleted items an insert lands on), beyond the four traces.
/// </summary>
public sealed class LocalEditLockstepTests(OracleProcess oracle) : IClassFixture<OracleProcess>
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomTextEditsEncodeLikeYjs(int seed)
    {
        const ulong clientId = 424242;
        var name = $"lockstep-{seed}-{Guid.NewGuid():N}";
        oracle.Call("create", new JsonObject { ["doc"] = name, ["clientId"] = clientId, ["gc"] = true });
        try
        {
            var doc = new Doc(new DocOptions { ClientId = clientId });
            var text = doc.GetText("t");
            var updates = new List<byte[]>();
            doc.Updated += (_, e) => updates.Add(e.Update);
            var random = new Random(seed);
            var requests = new List<JsonObject>();
            var expected = new List<byte[]>();

            for (var step = 0; step < 3000; step++)
            {
                var ops = new JsonArray();
                var count = random.Next(1, 4);
                updates.Clear();
                doc.Transact(_ =>
                {
                    for (var i = 0; i < count; i++)
                    {
                        var length = text.Length;
                        // Mostly typing near a moving caret, sometimes jumps and larger deletions, as people edit.
                        if (length > 20 && random.NextDouble() < 0.4)
                        {
                            var index = random.Next(length);
                            var span = Math.Min(random.Next(1, 12), length - index);
                            text.Delete(index, span);
                            ops.Add(new JsonObject { ["type"] = "text", ["name"] = "t", ["op"] = "delete", ["index"] = index, ["length"] = span });
                        }
                        else
                        {
                            var index = random.Next(length + 1);
                            var chunk = new string((char)('a' + random.Next(26)), random.Next(1, 6));
                            text.Insert(index, chunk);
                            ops.Add(new JsonObject { ["type"] = "text", ["name"] = "t", ["op"] = "insert", ["index"] = index, ["text"] = chunk });
                        }
                    }
                });
                expected.Add(Assert.Single(updates));
                requests.Add(new JsonObject { ["cmd"] = "transact", ["doc"] = name, ["ops"] = ops });
            }

            var answers = oracle.CallMany(requests);
            for (var step = 0; step < answers.Count; step++)
            {
                var yjsUpdate = Convert.FromBase64String(Assert.Single(answers[step]!["v1"]!.AsArray())!.GetValue<string>());
                if (!yjsUpdate.AsSpan().SequenceEqual(expected[step]))
                {
                    Assert.Fail($"seed {seed}: transaction {step} encodes differently from yjs ({requests[step]["ops"]!.ToJsonString()})");
                }
            }
            var yjsState = Convert.FromBase64String(oracle.Call("encodeState", new JsonObject { ["doc"] = name })!.GetValue<string>());
            Assert.Equal(yjsState, doc.EncodeStateAsUpdate());
        }
        finally
        {
            oracle.Call("destroy", new JsonObject { ["doc"] = name });
        }
    }
}
