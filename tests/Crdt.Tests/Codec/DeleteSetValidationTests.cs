namespace Spotter.Collab.Crdt.Tests.Codec;

/// <summary>Delete sets that yjs could never have written are rejected while decoding, before anything is applied.</summary>
public class DeleteSetValidationTests
{
    private static Doc DocWithText()
    {
        var doc = new Doc(new DocOptions { ClientId = 5 });
        doc.GetText("t").Insert(0, "hello");
        return doc;
    }

    // V1 update: no structs, then a delete set with one client (5) and one range.
    private static byte[] UpdateDeleting(uint clock, uint len)
    {
        using var w = new Spotter.Collab.Crdt.Lib0.Lib0Writer();
        w.WriteVarUint(0);
        w.WriteVarUint(1);
        w.WriteVarUint(5);
        w.WriteVarUint(1);
        w.WriteVarUint(clock);
        w.WriteVarUint(len);
        return w.ToArray();
    }

    [Theory]
    [InlineData(2u, 0u)]            // empty range over existing content
    [InlineData(40u, 0u)]           // empty range in the future (would be kept pending and re-encoded)
    [InlineData(0xFFFF_FFF0u, 0x20u)] // clock + len past the clock space
    public void Lying_delete_ranges_are_rejected_and_change_nothing(uint clock, uint len)
    {
        var doc = DocWithText();
        var before = doc.EncodeStateAsUpdate();
        var update = UpdateDeleting(clock, len);

        Assert.Throws<CrdtFormatException>(() => doc.ApplyUpdate(update));
        Assert.Throws<CrdtFormatException>(() => Updates.V1ToV2(update));
        Assert.Equal(before, doc.EncodeStateAsUpdate());
        Assert.Equal("hello", doc.GetText("t").ToString());
    }

    [Fact]
    public void A_valid_range_still_deletes()
    {
        var doc = DocWithText();
        doc.ApplyUpdate(UpdateDeleting(1, 3));
        Assert.Equal("ho", doc.GetText("t").ToString());
    }
}
