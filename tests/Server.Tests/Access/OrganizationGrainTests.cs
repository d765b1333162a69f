using Orleans.Core.Internal;
using Orleans.Runtime;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Server.Tests.Grains;

namespace Spotter.Collab.Server.Tests.Access;

/// <summary>The organisation grain in a real test cluster: its answers cross the wire (serialization), its state
/// survives reactivation, and open pairs come back to a reactivated access copy through the documents' refresh.</summary>
[Collection(GrainClusterGroup.Name)]
public sealed class OrganizationGrainTests(GrainClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.Client;

    private IOrganizationGrain Organization => Grains.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key);

    private static string Name(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..14];

    [Fact]
    public async Task The_model_survives_reactivation_and_its_answers_cross_the_wire()
    {
        var owner = Name("own");
        var reader = Name("rdr");
        var org = Organization;
        Assert.True((await org.AddUser(new DirectoryUser(owner, "Owner", UserKind.Employee, null, null, [], false, false))).IsOk);
        Assert.True((await org.AddUser(new DirectoryUser(reader, "Reader", UserKind.Employee, null, null, [], false, false))).IsOk);
        var space = (await org.CreateSpace(owner, "Space")).Id!;
        var page = (await org.CreatePage(owner, space, null, "Page", null)).Id!;
        Assert.True(await Grains.GetGrain<IDocumentGrain>(page).Create(owner, "Page"));
        var grant = await org.AddGrant(owner, page, Principals.User(reader), AccessLevel.Comment);
        Assert.Equal(AccessLevel.Comment, grant.Value!.Level);
        var link = await org.CreateLink(owner, page, LinkScope.Anyone, AccessLevel.View, null, null);
        Assert.False(string.IsNullOrEmpty(link.Value!.Token));

        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var tree = await org.GetTree(reader, space);
        Assert.Equal(page, Assert.Single(tree!.Pages).Id);
        var why = await org.Explain(owner, page);
        Assert.Equal(grant.Value.Id, why.Value!.Single(e => e.Principal == reader).Source!.GrantId);
        Assert.Equal(link.Value.Link.Id, Assert.Single((await org.GetLinks(owner, page)).Value!).Id);
        Assert.Equal(AccessLevel.View, (await org.Resolve(page, Principals.Link(link.Value.Link.Id))).Level);
        var info = await Grains.GetGrain<IDocumentGrain>(page).Describe(reader);
        Assert.Equal((DocumentRole.Commenter, AccessLevel.Comment, ResourceKind.Page, space), (info!.Role, info.Level, info.Kind, info.SpaceId));
        Assert.Equal(DocumentRole.Commenter, info.Members[reader]);
        Assert.Equal([page], await org.FilterReadable(reader, [Guid.NewGuid().ToString("N"), page]));
    }

    [Fact]
    public async Task WhoCanSeeSpace_keeps_exactly_the_principals_who_still_see_something_in_the_space()
    {
        var owner = Name("own");
        var pageReader = Name("pgr");
        var stranger = Name("str");
        var org = Organization;
        foreach (var user in new[] { owner, pageReader, stranger })
        {
            Assert.True((await org.AddUser(new DirectoryUser(user, user, UserKind.Employee, null, null, [], false, false))).IsOk);
        }
        var space = (await org.CreateSpace(owner, "Space")).Id!;
        var page = (await org.CreatePage(owner, space, null, "Page", null)).Id!;
        var grant = (await org.AddGrant(owner, page, Principals.User(pageReader), AccessLevel.View)).Value!;
        var link = (await org.CreateLink(owner, page, LinkScope.Anyone, AccessLevel.View, null, null)).Value!.Link;
        string[] watching = [owner, pageReader, stranger, Principals.Link(link.Id), "admin"];

        // One page is enough to see the space; a live link counts like its grant; nobody sees a space that is not there.
        Assert.Equal([owner, pageReader, Principals.Link(link.Id)], (await org.WhoCanSeeSpace(space, watching)).Where(p => p != "admin"));
        Assert.Empty(await org.WhoCanSeeSpace(Guid.NewGuid().ToString("N"), watching));

        Assert.True((await org.RemoveGrant(owner, page, grant.Id)).IsOk);
        Assert.True((await org.RevokeLink(owner, link.Id)).IsOk);
        Assert.Equal([owner], (await org.WhoCanSeeSpace(space, watching)).Where(p => p != "admin"));
    }

    [Fact]
    public async Task A_reactivated_access_copy_learns_open_pairs_again_from_the_documents_refresh()
    {
        var owner = Name("own");
        var docId = Guid.NewGuid().ToString("N");
        var document = Grains.GetGrain<IDocumentGrain>(docId);
        Assert.True(await document.Create(owner, "Doc"));
        Assert.Equal(MembershipResult.Ok, await document.SetMember(owner, "vera", DocumentRole.Editor));
        Assert.Equal(DocumentRole.Editor, (await document.Join("vera", "c-vera")).Role);

        // Keep the document busy while the access copy and the organisation grain idle, then collect only idle
        // activations: both are reactivated and the copy has forgotten the open pair, the document still has vera
        // joined.
        var epoch = await document.Subscribe(new NullObserver().Reference(Grains));
        for (var busyUntil = DateTime.UtcNow.AddSeconds(2); DateTime.UtcNow < busyUntil; await Task.Delay(100)) await document.EncodeState();
        var management = Grains.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.FromSeconds(1.5));
        // The copy may have been busy renewing its lease: make sure it is gone before the refresh reaches a new one.
        await Grains.GetGrain<IAccessReaderGrain>(IAccessReaderGrain.Key).AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        await Infrastructure.Eventually.HoldsAsync(
            async () => !(await management.GetSimpleGrainStatistics()).Any(g => g.GrainType.Contains(nameof(AccessReaderGrain), StringComparison.Ordinal) && g.ActivationCount > 0),
            "the access copy deactivated");
        Assert.Equal(epoch, await document.Subscribe(new NullObserver().Reference(Grains)));

        // What a document's refresh timer does: re-register its open principals and read their current levels.
        var levels = await Grains.GetGrain<IAccessReaderGrain>(IAccessReaderGrain.Key).RefreshOpen(docId, ["vera", "stranger"]);
        Assert.Equal(AccessLevel.Edit, levels["vera"]);
        Assert.Equal(AccessLevel.None, levels["stranger"]);
        Assert.Equal(MembershipResult.Ok, await document.SetMember(owner, "vera", DocumentRole.Viewer));
        var update = new Infrastructure.SyncedDoc().Edit(d => d.GetText("t").Insert(0, "x"))!;
        await Infrastructure.Eventually.HoldsAsync(async () => (await document.Receive("vera", "c-vera", update)).RejectCode == RejectCodes.ReadOnly,
            "the pushed downgrade reached the document's per-frame check");
    }

    private sealed class NullObserver : IDocumentObserver
    {
        public IDocumentObserver Reference(IGrainFactory grains) => grains.CreateObjectReference<IDocumentObserver>(this);

        public Task OnBroadcast(DocumentBroadcast broadcast) => Task.CompletedTask;

        public Task OnAccessChanged(string documentId, string username, DocumentRole? role) => Task.CompletedTask;

        public Task OnNotice(string resourceId, string kind, string payload) => Task.CompletedTask;

        public Task OnDeactivated(string documentId, Guid epoch) => Task.CompletedTask;
    }
}
