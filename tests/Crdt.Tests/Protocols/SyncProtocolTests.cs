using Spotter.Collab.Crdt.Lib0;
using Spotter.Collab.Crdt.Protocols;

namespace Spotter.Collab.Crdt.Tests.Protocols;

/// <summary>
/// Fixtures from y-protocols 1.0.7 + yjs 13.6.33 in node: a doc with clientID 42 and <c>getText('t').insert(0, 'hi')</c>;
/// <c>writeSyncStep1(e, doc)</c>, <c>writeSyncStep2(e, doc, new Uint8Array([0]))</c>,
/// <c>writeUpdate(e, new Uint8Array([1, 2, 3]))</c> printed as hex.
/// </summary>
public class SyncProtocolTests
{
    private static Doc HiDoc()
    {
        var doc = new Doc(new DocOptions { ClientId = 42 });
        doc.GetText("t").Insert(0, "hi");
        return doc;
    }

    private static string Write(Action<Lib0Writer> write)
    {
        using var writer = new Lib0Writer();
        write(writer);
        return Convert.ToHexStringLower(writer.WrittenSpan);
    }

    [Fact]
    public void Messages_match_y_protocols()
    {
        var doc = HiDoc();
        Assert.Equal("0003012a02", Write(w => SyncProtocol.WriteSyncStep1(w, doc)));
        Assert.Equal("010c01012a000401017402686900", Write(w => SyncProtocol.WriteSyncStep2(w, doc, [0])));
        Assert.Equal("0203010203", Write(w => SyncProtocol.WriteUpdate(w, [1, 2, 3])));
    }

    [Fact]
    public void A_step2_written_by_y_protocols_applies_to_an_empty_doc()
    {
        var doc = new Doc(new DocOptions { ClientId = 1 });
        using var answer = new Lib0Writer();
        var type = SyncProtocol.ReadSyncMessage(new Lib0Reader(Convert.FromHexString("010c01012a000401017402686900")), answer, doc, null);
        Assert.Equal(SyncMessageType.Step2, type);
        Assert.Equal("hi", doc.GetText("t").ToString());
        Assert.Equal("0003012a02", Write(w => SyncProtocol.WriteSyncStep1(w, doc)));
        using var awareness = new Awareness(doc, runOutdatedTimer: false);
        Assert.Equal(1ul, awareness.ClientId);
    }

    [Fact]
    public void Step1_is_answered_with_step2_and_step2_brings_the_peer_up_to_date()
    {
        var server = HiDoc();
        var client = new Doc(new DocOptions { ClientId = 7 });
        client.GetText("t").Insert(0, "yo ");

        using var clientToServer = new Lib0Writer();
        SyncProtocol.WriteSyncStep1(clientToServer, client);
        using var serverAnswer = new Lib0Writer();
        var type = SyncProtocol.ReadSyncMessage(new Lib0Reader(clientToServer.ToArray()), serverAnswer, server, "client");
        Assert.Equal(SyncMessageType.Step1, type);

        using var nothing = new Lib0Writer();
        type = SyncProtocol.ReadSyncMessage(new Lib0Reader(serverAnswer.ToArray()), nothing, client, "server");
        Assert.Equal(SyncMessageType.Step2, type);
        Assert.Equal(0, nothing.Length);
        Assert.Contains("hi", client.GetText("t").ToString(), StringComparison.Ordinal);

        // And the other direction, as an incremental update.
        using var update = new Lib0Writer();
        SyncProtocol.WriteUpdate(update, client.EncodeStateAsUpdate(server.EncodeStateVector()));
        object? seenOrigin = null;
        server.Updated += (_, e) => seenOrigin = e.Origin;
        type = SyncProtocol.ReadSyncMessage(new Lib0Reader(update.ToArray()), nothing, server, "client");
        Assert.Equal(SyncMessageType.Update, type);
        Assert.Equal("client", seenOrigin);
        Assert.Equal(client.GetText("t").ToString(), server.GetText("t").ToString());
    }

    [Fact]
    public void Malformed_messages_throw_CrdtFormatException_and_leave_the_doc_unchanged()
    {
        var doc = HiDoc();
        var before = doc.EncodeStateAsUpdate();
        using var writer = new Lib0Writer();
        byte[][] bad =
        [
            [3, 0], // unknown type
            [],
            [2], // missing payload
            [2, 5, 1, 2], // payload shorter than its length
            [1, 3, 1, 1, 42], // truncated update
            [0, 2, 0xff, 0xff], // garbage state vector
        ];
        foreach (var message in bad)
        {
            Assert.Throws<CrdtFormatException>(() => SyncProtocol.ReadSyncMessage(new Lib0Reader(message), writer, doc, null));
        }
        Assert.Equal(before, doc.EncodeStateAsUpdate());
    }
}
