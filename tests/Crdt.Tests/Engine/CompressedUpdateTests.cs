namespace Spotter.Collab.Crdt.Tests.Engine;

/// <summary>
/// Real yjs 13.6.33 V2 updates (text typed backwards, then deleted, gc on) that hold 20,000 and 1,000,000 structs
/// in about 50 bytes. Any bound of "one byte per struct" rejects them; yjs applies them.
/// </summary>
public class CompressedUpdateTests
{
    public static TheoryData<int, string> RealUpdates => new()
    {
        { 20_000, "000008fff59dfe049e9c01000500039c9c01030100410301740101010004419e9c0101a09c010001fffa8ebf0201009f9c01" },
        { 1_000_000, "000008f882d89813be843d00050003bc843d03010041030174010101000441be843d01c0843d0001b881accc090100bf843d" },
    };

    [Theory]
    [MemberData(nameof(RealUpdates))]
    public void Real_highly_compressed_V2_updates_apply_like_yjs(int structs, string v2Hex)
    {
        var update = Convert.FromHexString(v2Hex);
        var doc = new Doc(new DocOptions { ClientId = 1 });
        doc.ApplyUpdateV2(update);

        // What yjs shows for these updates: an empty text, one client with `structs` clocks, and the very same
        // bytes when the state is encoded again.
        Assert.Equal("", doc.GetText("t").ToString());
        Assert.False(doc.HasPending);
        var clock = Assert.Single(doc.StateVector);
        Assert.True(clock.Value >= structs, $"clock {clock.Value}");
        Assert.Equal(v2Hex, Convert.ToHexStringLower(doc.EncodeStateAsUpdateV2()));
    }

    [Fact]
    public void The_struct_limit_per_update_is_configurable_and_rejects_atomically()
    {
        var update = Convert.FromHexString((string)RealUpdates.First()[1]);
        var doc = new Doc(new DocOptions { ClientId = 1, MaxStructsPerUpdate = 10_000 });
        doc.GetText("t").Insert(0, "kept");
        var before = doc.EncodeStateAsUpdate();

        Assert.Throws<CrdtFormatException>(() => doc.ApplyUpdateV2(update));
        Assert.Equal(before, doc.EncodeStateAsUpdate());
        Assert.Equal("kept", doc.GetText("t").ToString());
        Assert.Equal(UpdateLimits.DefaultMaxStructsPerUpdate, new Doc().MaxStructsPerUpdate);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Doc(new DocOptions { MaxStructsPerUpdate = 0 }));
    }
}
