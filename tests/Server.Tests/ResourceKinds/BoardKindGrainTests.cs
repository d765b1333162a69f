using Spotter.Collab.Crdt;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Server.Tests.Grains;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.ResourceKinds;

/// <summary>A second resource kind on the live-resource core, through the grain interface: its update rule, its
/// after-commit projection and its notices; and a page next to it keeps the page's behaviour.</summary>
[Collection(GrainClusterGroup.Name)]
public sealed class BoardKindGrainTests(GrainClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.Client;

    private static byte[] Edit(Doc client, Action<Doc> edit)
    {
        var before = client.EncodeStateVector();
        edit(client);
        return client.EncodeStateAsUpdate(before);
    }

    private static byte[] UpdateFrame(byte[] update) => Frames.Sync(SyncMessageType.Update, update);

    [Fact]
    public async Task A_board_projects_its_cards_after_each_commit_and_refuses_client_writes_to_the_projection()
    {
        var id = BoardKind.NewId();
        var board = Grains.GetGrain<IDocumentGrain>(id);
        Assert.True(await board.Create("owner", "Board"));
        Assert.Equal(MembershipResult.Ok, await board.SetMember("owner", "vera", DocumentRole.Viewer));
        var observer = new DocumentGrainTests.RecordingObserver();
        var reference = Grains.CreateObjectReference<IDocumentObserver>(observer);
        await board.Subscribe(reference);
        Assert.Equal(DocumentRole.Owner, (await board.Join("owner", "c1")).Role);

        var client = new Doc();
        var card = Edit(client, d => d.GetArray(BoardKind.CardsRoot).Insert(0, ["first"]));
        Assert.False((await board.Receive("owner", "c1", UpdateFrame(card))).IsRejected);
        await Eventually.HoldsAsync(() => observer.Notices.Contains((id, BoardKind.CardsNotice, "1")), "the projection was announced");
        Assert.Equal("{\"count\":1}", (await board.ReadRoot("owner", BoardKind.SummaryRoot, RootKind.Map)).Json);

        // The client's own summary, over the hub path and the HTTP path: refused whole, with the kind's code.
        var forged = Edit(client, d =>
        {
            d.GetArray(BoardKind.CardsRoot).Insert(1, ["second"]);
            d.GetMap(BoardKind.SummaryRoot).Set("count", 99L);
        });
        var refused = await board.Receive("owner", "c1", UpdateFrame(forged));
        Assert.Equal(RejectCodes.ServerOwned, refused.RejectCode);
        Assert.Equal(RejectCodes.ServerOwned, (await board.ApplyUpdate("owner", forged)).RejectCode);
        Assert.Equal("[\"first\"]", (await board.ReadRoot("owner", BoardKind.CardsRoot, RootKind.Array)).Json);
        Assert.Equal("{\"count\":1}", (await board.ReadRoot("owner", BoardKind.SummaryRoot, RootKind.Map)).Json);

        // The role comes first: a viewer's write is read-only, whatever it writes.
        Assert.Equal(DocumentRole.Viewer, (await board.Join("vera", "c2")).Role);
        Assert.Equal(RejectCodes.ReadOnly, (await board.Receive("vera", "c2", UpdateFrame(forged))).RejectCode);

        // A later card is projected again; the server's own write of the summary went through.
        var fresh = new Doc();
        fresh.ApplyUpdate(await board.EncodeState());
        var second = Edit(fresh, d => d.GetArray(BoardKind.CardsRoot).Insert(1, ["second"]));
        Assert.False((await board.Receive("owner", "c1", UpdateFrame(second))).IsRejected);
        await Eventually.HoldsAsync(() => observer.Notices.Contains((id, BoardKind.CardsNotice, "2")), "the second projection was announced");
        Assert.Equal("{\"count\":2}", (await board.ReadRoot("owner", BoardKind.SummaryRoot, RootKind.Map)).Json);
        // A page's command means nothing to a board.
        Assert.Equal(RejectCodes.Unsupported, (await board.Execute("owner", new ReplacePageContent([], Append: true, "import"))).RejectCode);
        Grains.DeleteObjectReference<IDocumentObserver>(reference);
    }

    [Fact]
    public async Task A_page_has_no_board_rules_and_no_board_notices()
    {
        var id = Guid.NewGuid().ToString("N");
        var page = Grains.GetGrain<IDocumentGrain>(id);
        Assert.True(await page.Create("owner", "Page"));
        var observer = new DocumentGrainTests.RecordingObserver();
        var reference = Grains.CreateObjectReference<IDocumentObserver>(observer);
        await page.Subscribe(reference);
        Assert.Equal(DocumentRole.Owner, (await page.Join("owner", "c1")).Role);

        var client = new Doc();
        var summary = Edit(client, d => d.GetMap(BoardKind.SummaryRoot).Set("count", 99L));
        Assert.False((await page.Receive("owner", "c1", UpdateFrame(summary))).IsRejected);
        Assert.Equal("{\"count\":99}", (await page.ReadRoot("owner", BoardKind.SummaryRoot, RootKind.Map)).Json);

        // Notices of the page itself still reach its hosts.
        await page.Notify("comments", "");
        await Eventually.HoldsAsync(() => observer.Notices.Contains((id, "comments", "")), "the page's notice reached its host");
        Assert.DoesNotContain(observer.Notices, n => n.Kind == BoardKind.CardsNotice);
        Grains.DeleteObjectReference<IDocumentObserver>(reference);
    }
}
