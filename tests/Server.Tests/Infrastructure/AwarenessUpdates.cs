using Spotter.Collab.Crdt.Lib0;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.Server.Tests.Infrastructure;

/// <summary>Awareness updates written as a browser would, from (client, clock, JSON state) triples.</summary>
public static class AwarenessUpdates
{
    public static byte[] Encode(params (ulong Client, ulong Clock, string StateJson)[] entries) =>
        AwarenessProtocol.EncodeEntries(entries.Select(e => new AwarenessProtocol.Entry(e.Client, e.Clock, JsJson.ParseNode(e.StateJson))).ToList());

    /// <summary>The entries of every awareness frame among <paramref name="frames"/>, in order.</summary>
    public static IEnumerable<AwarenessProtocol.Entry> Decode(IEnumerable<byte[]> frames) =>
        frames.Select(f => Frames.Parse(f)).Where(f => f.Type == FrameType.Awareness).SelectMany(f => AwarenessProtocol.DecodeUpdate(f.Payload.Span));
}
