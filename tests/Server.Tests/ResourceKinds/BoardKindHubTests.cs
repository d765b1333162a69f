using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.ResourceKinds;

public sealed class BoardServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();

    public CollabTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await CollabTestServer.StartAsync(_directory.Path, configure: builder => builder.Services.AddResourceKind<BoardKind>());

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose() => _directory.Dispose();
}

/// <summary>Every resource kind through the one hub, over the unchanged wire protocol: a board joins, syncs and is
/// refused like a page, its kind's code arrives in <c>Rejected</c> and its projection in <c>Notice</c>; a watched
/// space's tree change arrives as <c>Notice(spaceId, "tree", "")</c> as well as <c>TreeChanged</c>.</summary>
public sealed class BoardKindHubTests(BoardServerFixture fixture) : IClassFixture<BoardServerFixture>
{
    private CollabTestServer Server => fixture.Server;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_board_works_over_the_hub_with_its_rule_and_its_notices(bool messagePack)
    {
        var kit = new AccessKit(Server);
        var (owner, token) = await kit.UserAsync("board");
        var id = BoardKind.NewId();
        Assert.True(await Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IDocumentGrain>(id).Create(owner, "Board"));

        await using var client = await Server.ConnectAsync(token, messagePack);
        var doc = new SyncedDoc();
        client.Attach(id, doc);
        Assert.Equal("owner", await client.JoinAsync(id));
        await client.SendAsync(id, doc.Edit(d => d.GetArray(BoardKind.CardsRoot).Insert(0, ["first"]))!);
        await Eventually.HoldsAsync(() => client.Notices.Contains((id, BoardKind.CardsNotice, "1")), "the board's projection notice arrived");
        // The server's write of its root reaches the client like anyone's update.
        await Eventually.HoldsAsync(() => doc.Read(d => d.GetMap(BoardKind.SummaryRoot).Get("count")?.ToString()) == "1", "the projection synced");

        var forged = doc.Edit(d => d.GetMap(BoardKind.SummaryRoot).Set("count", 7L))!;
        await client.SendAsync(id, forged);
        await Eventually.HoldsAsync(() => !client.Rejections.IsEmpty, "the write of the server's root was refused");
        var rejection = Assert.Single(client.Rejections);
        Assert.Equal((id, RejectCodes.ServerOwned), (rejection.DocId, rejection.Code));
        // The HTTP update path answers with the same code.
        using var http = Server.Client(token);
        using var body = new ByteArrayContent(Frames.Parse(forged).Payload.ToArray());
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var answer = await http.PostAsync($"/api/docs/{id}/updates", body);
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("urn:spotter-collab:problem:server-owned", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, (await Server.ReadRootAsync(token, id, BoardKind.SummaryRoot, "map")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task A_tree_change_is_a_notice_too()
    {
        var kit = new AccessKit(Server);
        var (_, token) = await kit.UserAsync("tree");
        var space = await kit.SpaceAsync(token);
        await using var client = await Server.ConnectAsync(token, messagePack: false);
        await client.InvokeAsync("WatchSpace", space);
        await kit.PageAsync(token, space);
        await Eventually.HoldsAsync(() => client.Notices.Contains((space, "tree", "")), "the tree notice arrived");
        await Eventually.HoldsAsync(() => client.Events.Any(e => e.Kind == "TreeChanged" && e.Id == space), "older clients' TreeChanged arrived as well");
    }
}
