namespace Spotter.Collab.Crdt.Tests.Engine;

public class GoldenTraceTests
{
    private static string GoldenPath(string trace, string version) =>
        TestData.PathOf(Path.Combine("yjs-golden", $"{trace}.yjs13.6.33-client1234567890.{version}.bin"));

    [TraceDataTheory]
    [InlineData("friendsforever_flat")]
    [InlineData("clownschool_flat")]
    [InlineData("seph-blog1")]
    [InlineData("automerge-paper")]
    public void Replaying_a_trace_reproduces_the_yjs_encodings_byte_for_byte(string name)
    {
        var trace = TestData.LoadSequential(name);
        var doc = TestData.Replay(trace);
        Assert.Equal(trace.EndContent, doc.GetText("text").ToString());
        var v1 = doc.EncodeStateAsUpdate();
        var golden1 = File.ReadAllBytes(GoldenPath(name, "v1"));
        Assert.Equal(golden1.Length, v1.Length);
        Assert.True(golden1.AsSpan().SequenceEqual(v1), "V1 encoding differs from yjs");
        var v2 = doc.EncodeStateAsUpdateV2();
        var golden2 = File.ReadAllBytes(GoldenPath(name, "v2"));
        Assert.Equal(golden2.Length, v2.Length);
        Assert.True(golden2.AsSpan().SequenceEqual(v2), "V2 encoding differs from yjs");
    }

    [TraceDataTheory]
    [InlineData("friendsforever_flat")]
    [InlineData("clownschool_flat")]
    [InlineData("seph-blog1")]
    [InlineData("automerge-paper")]
    public void Applying_a_golden_update_gives_the_end_content(string name)
    {
        var trace = TestData.LoadSequential(name);
        var fromV1 = new Doc();
        fromV1.ApplyUpdate(File.ReadAllBytes(GoldenPath(name, "v1")));
        Assert.Equal(trace.EndContent, fromV1.GetText("text").ToString());
        var fromV2 = new Doc();
        fromV2.ApplyUpdateV2(File.ReadAllBytes(GoldenPath(name, "v2")));
        Assert.Equal(trace.EndContent, fromV2.GetText("text").ToString());
        // Re-encoding a loaded document gives the same bytes.
        Assert.True(File.ReadAllBytes(GoldenPath(name, "v1")).AsSpan().SequenceEqual(fromV1.EncodeStateAsUpdate()));
    }
}
