using System.Security.Cryptography;
using System.Text;

namespace Spotter.Collab.Crdt.Tests.Engine;

/// <summary>
/// Loads the yrs-produced V2 updates (with real concurrency in C1/C2). Expected digests were produced with yjs 13.6.33
/// in node (outside this repository): <c>Y.applyUpdateV2(doc, file)</c>, then sha256 of
/// <c>Buffer.from(doc.getText('text').toString(), 'utf16le')</c>, of <c>Y.encodeStateAsUpdate(doc)</c> and of
/// <c>Y.encodeStateAsUpdateV2(doc)</c>.
/// </summary>
public class YjsUpdateFileTests
{
    [TraceDataTheory]
    [InlineData("C1", 534050, "9352649f233d1764f5c287b9f35b3906dcbf66ec78d673d642afa1f59aabac5f", "d074679daebfdd0435d3f61540cfef0886ba8990e3da68f91e3e648a8fc1ac43", "4a82310e29ff1a6bffeefedef1577a4508510f8f6dbb4be9445d2980e75367c9")]
    [InlineData("C2", 528700, "28f4ac2150a630f2ceba429c44b1b461a6810050e53ea3ab24b9d6d6310bcafb", "51a9e318c07b2b3585ff688d8540c82f6349db10f6b26ca6b7668844f90c2f43", "a548d28f10b873a53aa7ea6b7ddb21adbb50da2cd2c7e23bde34aa7d4fd92b98")]
    [InlineData("S1", 314556, "70664834bf11fa8611e679bb7b3329a5f93245c8d859899f12345f41e75ef234", "1f7a9695ffa52c5fde708c9722251cc9da930fb4ebf064743e5e50cd3c161e0b", "a0c721ec800329f16751d5ed9f3440d952299ecd3906d0309300c546d211e3dc")]
    [InlineData("S2", 170307, "6943f85ba2ebf06b32aa75684e0b75cc90bb8f33d7b89587c180946fe9eb7e21", "86a1b310a9564cce823a98fee4f627d667e4ac549ee3df771d2c1b11926c7863", "12c4a996c29a07fbafb29e5d8e0b4dceb56486d2342da77598d3fa806b41d402")]
    public void A_yrs_update_loads_to_the_text_yjs_sees(string name, int length, string textSha, string v1Sha, string v2Sha)
    {
        var doc = new Doc();
        doc.ApplyUpdateV2(File.ReadAllBytes(TestData.PathOf(Path.Combine("yjs-updates", name + ".yjs"))));
        Assert.False(doc.HasPending);
        var text = doc.GetText("text").ToString();
        Assert.Equal(length, text.Length);
        Assert.Equal(textSha, Sha(Encoding.Unicode.GetBytes(text)));
        Assert.Equal(v1Sha, Sha(doc.EncodeStateAsUpdate()));
        Assert.Equal(v2Sha, Sha(doc.EncodeStateAsUpdateV2()));
    }

    private static string Sha(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
