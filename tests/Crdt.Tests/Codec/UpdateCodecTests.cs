namespace Spotter.Collab.Crdt.Tests.Codec;

public class UpdateCodecTests
{
    public static TheoryData<string> FixtureNames => new(YjsUpdateFixtures.Updates.Keys);

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Yjs_updates_transcode_between_v1_and_v2_byte_for_byte(string name)
    {
        var (v1Hex, v2Hex) = YjsUpdateFixtures.Updates[name];
        byte[] v1 = Convert.FromHexString(v1Hex);
        byte[] v2 = Convert.FromHexString(v2Hex);
        Assert.Equal(v1Hex, Convert.ToHexStringLower(UpdateTranscoder.Transcode(v1, fromV2: false, toV2: false)));
        Assert.Equal(v2Hex, Convert.ToHexStringLower(UpdateTranscoder.Transcode(v2, fromV2: true, toV2: true)));
        Assert.Equal(v2Hex, Convert.ToHexStringLower(UpdateTranscoder.Transcode(v1, fromV2: false, toV2: true)));
        Assert.Equal(v1Hex, Convert.ToHexStringLower(UpdateTranscoder.Transcode(v2, fromV2: true, toV2: false)));
    }

    /// <summary>
    /// yjs 13.6.33, gc on: <c>for (i &lt; N) t.insert(0, 'x'); t.delete(0, N)</c>, then <c>encodeStateAsUpdateV2</c>.
    /// N ContentDeleted structs (rightOrigin = previous char) compress to ~50 bytes, a real update that any read
    /// budget must let through.
    /// </summary>
    [Theory]
    [InlineData(20_000, "000008fff59dfe049e9c01000500039c9c01030100410301740101010004419e9c0101a09c010001fffa8ebf0201009f9c01")]
    [InlineData(1_000_000, "000008f882d89813be843d00050003bc843d03010041030174010101000441be843d01c0843d0001b881accc090100bf843d")]
    public void Highly_compressed_real_V2_updates_pass_the_read_budget(int structs, string v2Hex)
    {
        byte[] v2 = Convert.FromHexString(v2Hex);
        Assert.True(v2.Length < 60);
        Assert.Equal(v2Hex, Convert.ToHexStringLower(UpdateTranscoder.Transcode(v2, fromV2: true, toV2: true)));
        byte[] v1 = UpdateTranscoder.Transcode(v2, fromV2: true, toV2: false);
        Assert.True(v1.Length > structs * 5); // every struct spelled out in V1
        Assert.Equal(v2Hex, Convert.ToHexStringLower(UpdateTranscoder.Transcode(v1, fromV2: false, toV2: true)));
    }
}
