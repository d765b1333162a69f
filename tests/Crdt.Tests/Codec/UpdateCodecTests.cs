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
}
