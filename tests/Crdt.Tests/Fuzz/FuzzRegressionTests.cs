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

    [Fact]
    public void ItemWhoseOriginsInTheSameUpdateLieInDifferentTypesJoinsItsLeftOriginLikeYjs()
    {
        // One update: "x" in text a, "y" in text b, then "z" with origin x and right origin y. Neither neighbour is in
        // the document before the update, so the check above cannot see the lie; integration must still keep the
        // lists consistent. yjs 13.6.33 takes the parent from the left origin: a = "xz", b = "y", and it encodes
        // the state back to the same bytes.
        var lie = Convert.FromBase64String("AQMBAAQBAWEBeAQBAWIBecQBAAEBAXoA");
        var doc = new Doc(new DocOptions { ClientId = 7 });
        doc.ApplyUpdate(lie);
        Assert.Equal("xz", doc.GetText("a").ToString());
        Assert.Equal("y", doc.GetText("b").ToString());
        Assert.Equal(2, doc.GetText("a").Length);
        Assert.Equal(1, doc.GetText("b").Length);
        Assert.Equal(lie, doc.EncodeStateAsUpdate());
        var reloaded = new Doc();
        reloaded.ApplyUpdate(doc.EncodeStateAsUpdate());
        Assert.Equal("xz", reloaded.GetText("a").ToString());
        Assert.Equal("y", reloaded.GetText("b").ToString());
    }
}
