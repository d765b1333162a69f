using System.Text.Json.Nodes;
using Xunit.Sdk;

namespace Spotter.Collab.Crdt.Tests.Differential;

/// <summary>
/// One seeded multi-replica run. Every peer is a pair: the C# engine doc and a yjs "mirror" doc with the
/// same client id, fed the same local ops and the same incoming bytes, so their updates and full-state
/// encodings must be byte-identical at every point. A peer is engine-primary or yjs-primary: the primary's
/// bytes are what the network carries, so engine docs consume yjs-produced updates and vice versa.
/// The network reorders, duplicates and loses messages; lost ones come back through sync step 1/2
/// (state vector + diff). At the end every replica must show the same JSON, delta and XML.
/// </summary>
public sealed class Scenario
{
    private readonly Random _rng;
    private readonly OpGenerator _ops;
    private readonly List<Peer> _peers = [];
    private readonly List<string> _log = [];
    private readonly int _seed;
    private readonly OracleProcess _oracle;
    private readonly bool _checkUpdateFunctions;
    private readonly List<byte[]> _sentV1 = [];

    private sealed class Peer
    {
        public required int Index { get; init; }
        public required ulong ClientId { get; init; }
        public required bool EnginePrimary { get; init; }
        public IReplica? Engine { get; init; }
        public YjsReplica? Mirror { get; init; }
        public List<(byte[] Data, bool V2, int From)> Inbox { get; } = [];

        public IReplica Primary => EnginePrimary && Engine is not null ? Engine : Mirror!;

        public IEnumerable<IReplica> Replicas => new IReplica?[] { Engine, Mirror }.OfType<IReplica>();

        public string Name => $"peer{Index}({(EnginePrimary ? "engine" : "yjs")}, client {ClientId})";
    }

    /// <param name="engineFactory">Creates an engine replica (client id, gc); null runs yjs-only pairs.</param>
    /// <param name="mirrors">
    /// True: every peer is an engine doc + yjs mirror pair (byte-level checks). False: each peer is a single doc, the
    /// engine or yjs, so only convergence across the mixed network is checked.
    /// </param>
    public Scenario(int seed, OracleProcess oracle, Func<ulong, bool, IReplica>? engineFactory, int maxSteps, bool checkUpdateFunctions = false, bool mirrors = true)
    {
        _seed = seed;
        _oracle = oracle;
        _checkUpdateFunctions = checkUpdateFunctions;
        _rng = new Random(seed);
        _ops = new OpGenerator(_rng);
        var peerCount = _rng.Next(2, 5);
        var gc = _rng.Next(3) != 0;
        var clientIds = new HashSet<ulong>();
        while (clientIds.Count < peerCount)
        {
            // yjs makes 32-bit ids; small ones exercise the one-byte varint path and id ordering.
            clientIds.Add(_rng.Next(4) == 0 ? (ulong)_rng.Next(1, 20) : (ulong)_rng.NextInt64(1, uint.MaxValue));
        }

        var ids = clientIds.ToArray();
        for (var i = 0; i < peerCount; i++)
        {
            // Alternate so both kinds of primary are always present.
            var enginePrimary = (i + seed) % 2 == 0;
            _peers.Add(new Peer
            {
                Index = i,
                ClientId = ids[i],
                EnginePrimary = enginePrimary,
                Engine = mirrors || enginePrimary ? engineFactory?.Invoke(ids[i], gc) : null,
                Mirror = mirrors || !enginePrimary || engineFactory is null ? new YjsReplica(oracle, $"s{seed}-p{i}{(mirrors ? "" : "-solo")}", ids[i], gc) : null,
            });
        }

        Steps = _rng.Next(3, maxSteps + 1);
        _log.Add($"{peerCount} peers, gc={gc}, {Steps} steps, {(mirrors ? "engine peers mirrored by yjs" : "single-doc peers")}");
    }

    public int Steps { get; }

    public void Run()
    {
        try
        {
            RunSteps();
        }
        catch (Exception e) when (e is not XunitException)
        {
            Fail($"unexpected {e.GetType().Name} at {FirstFrame(e)}", $"unexpected exception: {e}");
        }
    }

    private void RunSteps()
    {
        for (var step = 0; step < Steps; step++)
        {
            var roll = _rng.Next(100);
            if (roll < 55)
            {
                LocalEdit(_peers[_rng.Next(_peers.Count)]);
            }
            else if (roll < 90)
            {
                DeliverOne();
            }
            else
            {
                var a = _peers[_rng.Next(_peers.Count)];
                var b = _peers[(a.Index + 1 + _rng.Next(_peers.Count - 1)) % _peers.Count];
                Sync(from: a, to: b);
            }
        }

        // Drain what is still in flight (in random order), then heal losses with two full sync rounds.
        while (_peers.Any(p => p.Inbox.Count > 0))
        {
            DeliverOne();
        }

        for (var round = 0; round < 2; round++)
        {
            foreach (var from in _peers)
            {
                foreach (var to in _peers.Where(p => p != from))
                {
                    Sync(from, to);
                }
            }
        }

        CheckConverged();
        if (_checkUpdateFunctions && _sentV1.Count > 0)
        {
            CheckUpdateFunctions();
        }
    }

    /// <summary>The doc-less update functions (merge, diff, state vector, V1/V2 conversion) against yjs's, byte for byte.</summary>
    private void CheckUpdateFunctions()
    {
        var picked = _sentV1.Where(_ => _rng.Next(2) == 0).Take(6).ToList();
        if (picked.Count == 0)
        {
            picked.Add(_sentV1[_rng.Next(_sentV1.Count)]);
        }

        string B64(byte[] b) => Convert.ToBase64String(b);
        var yjsMerged = Convert.FromBase64String(_oracle.Call("mergeUpdates", new JsonObject { ["updates"] = new JsonArray([.. picked.Select(u => (JsonNode)B64(u))]) })!.GetValue<string>());
        var merged = Updates.Merge(picked);
        _log.Add($"update functions on {picked.Count} updates");
        ExpectSameBytes([merged], [yjsMerged], "Updates.Merge");
        var stateVector = _peers[_rng.Next(_peers.Count)].Primary.StateVector();
        var partial = _peers[0].Primary.EncodeState(null, false);
        byte[] emptyStateVector = [0];
        var yjsDiff = Convert.FromBase64String(_oracle.Call("diffUpdate", new JsonObject { ["update"] = B64(yjsMerged), ["sv"] = B64(emptyStateVector) })!.GetValue<string>());
        ExpectSameBytes([Updates.Diff(yjsMerged, emptyStateVector)], [yjsDiff], "Updates.Diff against an empty state vector");
        var yjsDiffSv = Convert.FromBase64String(_oracle.Call("diffUpdate", new JsonObject { ["update"] = B64(partial), ["sv"] = B64(stateVector) })!.GetValue<string>());
        ExpectSameBytes([Updates.Diff(partial, stateVector)], [yjsDiffSv], "Updates.Diff of the full state against a peer's state vector");
        var yjsSv = Convert.FromBase64String(_oracle.Call("stateVectorFromUpdate", new JsonObject { ["update"] = B64(yjsMerged) })!.GetValue<string>());
        ExpectSameBytes([Updates.StateVectorOf(yjsMerged)], [yjsSv], "Updates.StateVectorOf");
        var yjsV2 = Convert.FromBase64String(_oracle.Call("convertUpdate", new JsonObject { ["update"] = B64(yjsMerged), ["to"] = "v2" })!.GetValue<string>());
        ExpectSameBytes([Updates.V1ToV2(yjsMerged)], [yjsV2], "Updates.V1ToV2");
        // Not compared with yjsMerged: V1→V2→V1 is lossy in yjs too (an item with an origin drops its parentSub flag).
        var yjsBackToV1 = Convert.FromBase64String(_oracle.Call("convertUpdate", new JsonObject { ["update"] = B64(yjsV2), ["to"] = "v1" })!.GetValue<string>());
        ExpectSameBytes([Updates.V2ToV1(yjsV2)], [yjsBackToV1], "Updates.V2ToV1");
    }

    private void LocalEdit(Peer peer)
    {
        var before = peer.Mirror?.CurrentState() ?? peer.Engine!.Read();
        (peer.Engine as EngineReplica)?.TouchRoots(); // the mirror has read its roots by now; keep the engine in step
        var ops = _ops.Transaction(before);
        _log.Add($"{peer.Name} edits {new JsonArray([.. ops.Select(o => o.DeepClone())]).ToJsonString()}");
        var mirrorBatch = peer.Mirror?.Transact(ops);
        var engineBatch = peer.Engine?.Transact(ops);
        var sent = (peer.EnginePrimary ? engineBatch ?? mirrorBatch : mirrorBatch ?? engineBatch)!;
        if (engineBatch is not null && mirrorBatch is not null)
        {
            var kinds = string.Join("+", ops.Select(o => $"{o["type"]}.{o["op"]}{(o["attrs"] is null ? "" : "(attrs)")}"));
            // The content the op ran on makes most local-update divergences reproducible by hand.
            var context = $"\n  ops: {new JsonArray([.. ops.Select(o => o.DeepClone())]).ToJsonString()}\n  text before: {before["texts"]?[Roots.Text]?["delta"]?.ToJsonString()}\n  xml before: {before["xml"]?[Roots.Xml]?["string"]?.ToJsonString()}";
            ExpectSameBytes(engineBatch.V1, mirrorBatch.V1, $"{peer.Name}: V1 update of a local {kinds} transaction", context);
            ExpectSameBytes(engineBatch.V2, mirrorBatch.V2, $"{peer.Name}: V2 update of a local {kinds} transaction", context);
        }

        _sentV1.AddRange(sent.V1);
        var v2 = _rng.Next(3) == 0;
        foreach (var update in v2 ? sent.V2 : sent.V1)
        {
            foreach (var other in _peers.Where(p => p != peer))
            {
                var fate = _rng.Next(100);
                if (fate < 10)
                {
                    continue; // lost; sync step 1/2 recovers it later
                }

                other.Inbox.Add((update, v2, peer.Index));
                if (fate >= 90)
                {
                    other.Inbox.Add((update, v2, peer.Index)); // duplicated
                }
            }
        }
    }

    private void DeliverOne()
    {
        var waiting = _peers.Where(p => p.Inbox.Count > 0).ToList();
        if (waiting.Count == 0)
        {
            return;
        }

        var peer = waiting[_rng.Next(waiting.Count)];
        var pick = _rng.Next(peer.Inbox.Count);
        var (data, v2, from) = peer.Inbox[pick];
        peer.Inbox.RemoveAt(pick);
        _log.Add($"{peer.Name} receives {(v2 ? "V2" : "V1")} {data.Length} B from peer{from}");
        Apply(peer, data, v2);
    }

    private void Sync(Peer from, Peer to)
    {
        var v2 = _rng.Next(3) == 0;
        var stateVector = to.Primary.StateVector();
        var diff = from.Primary.EncodeState(stateVector, v2);
        _log.Add($"sync {from.Name} -> {to.Name} ({(v2 ? "V2" : "V1")} diff {diff.Length} B)");
        Apply(to, diff, v2);
    }

    private void Apply(Peer peer, byte[] data, bool v2)
    {
        foreach (var replica in peer.Replicas)
        {
            try
            {
                replica.ApplyUpdate(data, v2);
            }
            catch (Exception e) when (e is not XunitException)
            {
                Fail($"{replica.Label.Split('(')[0]} throws {e.GetType().Name} applying a {(v2 ? "V2" : "V1")} update at {FirstFrame(e)}",
                    $"{replica.Label} failed to apply a {(v2 ? "V2" : "V1")} update ({Convert.ToBase64String(data)}): {e}");
            }
        }
    }

    private void CheckConverged()
    {
        var reference = _peers[0].Primary.Read();
        foreach (var peer in _peers)
        {
            foreach (var replica in peer.Replicas)
            {
                var state = replica.Read();
                if (!JsonSemantics.Equal(reference, state))
                {
                    Fail("replicas did not converge", $"{replica.Label} did not converge.\n  expected (peer0): {reference.ToJsonString()}\n  actual: {state.ToJsonString()}");
                }
            }

            if (peer.Engine is not null && peer.Mirror is not null)
            {
                ExpectSameBytes([peer.Engine.StateVector()], [peer.Mirror.StateVector()], $"{peer.Name}: state vector");
                ExpectSameBytes([peer.Engine.EncodeState(null, false)], [peer.Mirror.EncodeState(null, false)], $"{peer.Name}: full state V1");
                ExpectSameBytes([peer.Engine.EncodeState(null, true)], [peer.Mirror.EncodeState(null, true)], $"{peer.Name}: full state V2");
            }
        }
    }

    private void ExpectSameBytes(IReadOnlyList<byte[]> engine, IReadOnlyList<byte[]> yjs, string what, string context = "")
    {
        var category = (what.Contains("): ", StringComparison.Ordinal) ? what[(what.IndexOf("): ", StringComparison.Ordinal) + 3)..] : what) + " differs from yjs";
        if (engine.Count != yjs.Count || engine.Zip(yjs).Any(p => !p.First.AsSpan().SequenceEqual(p.Second)))
        {
            Fail(category, $"{what} differs from yjs.\n  engine: [{string.Join(", ", engine.Select(Convert.ToBase64String))}]\n  yjs:    [{string.Join(", ", yjs.Select(Convert.ToBase64String))}]{context}");
        }
    }

    private static string FirstFrame(Exception e) =>
        e.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("at ", StringComparison.Ordinal))?[3..].Split(" in ")[0] ?? "?";

    private void Fail(string category, string message)
    {
        var recent = _log.Count <= 40 ? _log : [_log[0], "…", .. _log.TakeLast(39)];
        throw new DifferentialFailure(_seed, category,
            $"Differential case failed, seed {_seed}. Rerun just this case: SPOTTER_SEED={_seed} dotnet test tests/Crdt.Tests --filter \"FullyQualifiedName~Differential\"\n" +
            $"{message}\nSteps:\n  {string.Join("\n  ", recent)}");
    }
}

/// <summary>A failed differential case: its seed, a short category for grouping, and the full story.</summary>
public sealed class DifferentialFailure(int seed, string category, string message) : XunitException(message)
{
    public int Seed { get; } = seed;

    public string Category { get; } = category;
}
