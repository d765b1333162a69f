namespace Spotter.Collab.Crdt.Tests.Fuzz;

/// <summary>Inputs the CsCheck fuzzers found, pinned so they stay fixed.</summary>
public class FuzzRegressionTests
{
    [Fact]
    public void ItemWithOriginsInDifferentTypesIsRejectedBeforeItSplicesThem()
    {
        // CsCheck seed 9H8yR-D0Y5r2: remoteV1 with its right origin moved from the text into the array. Applied, it
        // linked the text's list into the array's, and reloading the encoded state failed inside garbage collection.
        var (_, _, holderBytes) = FuzzCorpus.Updates.Single(u => u.Name == "fullV1");
        var doc = new Doc(new DocOptions { ClientId = 99, Gc = false });
        doc.ApplyUpdate(holderBytes);
        var before = doc.EncodeStateAsUpdate();

        var mutated = Convert.FromBase64String("AQKFgICACADEAQYBLwNYWVqoARQBfSsBAQMFAhAFJhU=");
        Assert.Throws<CrdtFormatException>(() => doc.ApplyUpdate(mutated));
        Assert.Equal(before, doc.EncodeStateAsUpdate());

        // The unmutated update still applies.
        var (_, _, remote) = FuzzCorpus.Updates.Single(u => u.Name == "remoteV1");
        doc.ApplyUpdate(remote);
        new Doc().ApplyUpdate(doc.EncodeStateAsUpdate());
    }
}
