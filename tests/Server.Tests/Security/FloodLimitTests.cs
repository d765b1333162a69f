using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Security;

/// <summary>A server with small flood limits, so they show within a test: denials are collapsed per 2 s window and
/// at most 5 distinct ones per principal and window are written one by one; 20 refusals close a connection; a
/// connection may make 20 calls a second (burst 40), a principal 30 (burst 60).</summary>
public sealed class FloodServerFixture : IAsyncLifetime, IDisposable
{
    public const int MaxRefusals = 20;
    public const int MaxEntriesPerPrincipal = 5;
    public const int PrincipalBurst = 60;

    private readonly TempDirectory _directory = new();

    public CollabTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await CollabTestServer.StartAsync(_directory.Path, new Dictionary<string, string>
    {
        ["Audit:Denials:Window"] = "00:00:02",
        ["Audit:Denials:MaxEntriesPerPrincipal"] = MaxEntriesPerPrincipal.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Collab:Hub:MaxRefusals"] = MaxRefusals.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Collab:Hub:CallsPerSecondPerConnection"] = "20",
        ["Collab:Hub:BurstPerConnection"] = "40",
        ["Collab:Hub:CallsPerSecondPerPrincipal"] = "30",
        ["Collab:Hub:BurstPerPrincipal"] = PrincipalBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose() => _directory.Dispose();
}

public sealed class FloodLimitTests(FloodServerFixture fixture) : IClassFixture<FloodServerFixture>, IDisposable
{
    private readonly AccessKit _kit = new(fixture.Server);

    private CollabTestServer Server => fixture.Server;

    public void Dispose() => _kit.Dispose();

    private static bool IsForbidden(HubException ex) => ex.Message.EndsWith(": forbidden", StringComparison.Ordinal) || ex.Message == "forbidden";

    private async Task<List<JsonElement>> DenialsOfAsync(string actor)
    {
        var admin = await _kit.AdminAsync();
        using var json = JsonDocument.Parse(await admin.GetStringAsync($"/api/admin/audit?actor={Uri.EscapeDataString(actor)}&action={AuditActions.AccessDenied}&limit=1000"));
        return [.. json.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>How many denials one audit row stands for: 1, or the count it names.</summary>
    private static int DenialsIn(JsonElement row)
    {
        var detail = row.GetProperty("detail").GetString() ?? "";
        var repeated = System.Text.RegularExpressions.Regex.Match(detail, @"repeated (\d+) more time");
        if (repeated.Success) return int.Parse(repeated.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var others = System.Text.RegularExpressions.Regex.Match(detail, @"^(\d+) more denials? of other targets");
        return others.Success ? int.Parse(others.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
    }

    [Fact]
    public async Task A_thousand_joins_with_4000_character_ids_from_a_link_session_are_refused_cheaply_and_write_no_audit_rows()
    {
        var (owner, ownerToken) = await _kit.UserAsync("own");
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        var (linkId, link) = await _kit.LinkAsync(ownerToken, page, "anyone", "view");
        var session = await _kit.RedeemAsync(link);

        var watch = Stopwatch.StartNew();
        var refused = 0;
        var connections = 0;
        TestClient? client = null;
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                if (client is null || client.State != HubConnectionState.Connected)
                {
                    if (client is not null) await client.DisposeAsync();
                    client = await Server.ConnectAsync(session, messagePack: i % 2 == 0);
                    connections++;
                }
                var id = string.Concat(Enumerable.Repeat(Guid.NewGuid().ToString("N"), 125));
                try
                {
                    await client.JoinAsync(id);
                    Assert.Fail("a 4000-character id was joined");
                }
                catch (Exception ex) when (ex is HubException or InvalidOperationException or TaskCanceledException or IOException)
                {
                    // Refused, or the connection the server closed for it.
                    refused++;
                }
            }
        }
        finally
        {
            if (client is not null) await client.DisposeAsync();
        }
        watch.Stop();

        Assert.Equal(1000, refused);
        // The server closed the connection every MaxRefusals refusals or so; the client had to reconnect.
        Assert.InRange(connections, 1000 / (FloodServerFixture.MaxRefusals + 1) - 1, 1000);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"the flood took {watch.Elapsed}");
        // Refused before any lookup or audit: nothing of it is in the log.
        Assert.Empty(await DenialsOfAsync($"link:{linkId}"));

        // The link session still opens its own page once the flood has stopped (the principal's budget refills).
        await using var after = await Server.ConnectAsync(session, messagePack: true);
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                return await after.JoinAsync(page) == "viewer";
            }
            catch (HubException)
            {
                return false;
            }
        }, "the link session joins its page again");
        // A refusal of a well-formed id by the same session is recorded, under the same actor the check above used.
        await Assert.ThrowsAsync<HubException>(() => after.JoinAsync(Guid.NewGuid().ToString("N")));
        Assert.Single(await DenialsOfAsync($"link:{linkId}"));
        Assert.NotNull(owner);
    }

    [Fact]
    public async Task Repeated_denials_collapse_into_entries_with_a_count_and_nothing_is_lost()
    {
        var (stranger, token) = await _kit.UserAsync("str");
        var missing = Guid.NewGuid().ToString("N");
        var forbidden = 0;
        // Reconnect before the refusal limit closes the connection, so every call reaches the server.
        for (var round = 0; round < 4; round++)
        {
            await using var client = await Server.ConnectAsync(token, messagePack: true);
            for (var i = 0; i < 15; i++)
            {
                var id = i % 2 == 0 ? missing : Guid.NewGuid().ToString("N");
                var ex = await Assert.ThrowsAsync<HubException>(() => client.JoinAsync(id));
                if (IsForbidden(ex)) forbidden++;
            }
        }
        Assert.Equal(60, forbidden);

        // The window closes after 2 s and writes the counts.
        await Eventually.HoldsAsync(async () => (await DenialsOfAsync(stranger)).Sum(DenialsIn) == forbidden, "every denial is counted in the log");
        var rows = await DenialsOfAsync(stranger);
        Assert.True(rows.Count <= 2 * (2 * FloodServerFixture.MaxEntriesPerPrincipal + 1), $"{rows.Count} rows for {forbidden} denials");
        Assert.Contains(rows, r => r.GetProperty("target").GetString() == missing && r.GetProperty("detail").GetString()!.Contains("repeated", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.GetProperty("detail").GetString()!.Contains("more denials of other targets", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Audit_targets_are_truncated()
    {
        var (stranger, token) = await _kit.UserAsync("long");
        using var client = Server.Client(token);
        var id = new string('x', 3000);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/docs/{id}")).StatusCode);

        var row = Assert.Single(await DenialsOfAsync(stranger));
        var target = row.GetProperty("target").GetString()!;
        Assert.InRange(target.Length, 100, 200);
        Assert.StartsWith("/api/docs/xxx", target, StringComparison.Ordinal);
        Assert.EndsWith("…", target, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_that_keeps_being_refused_is_closed_by_the_server()
    {
        var (_, token) = await _kit.UserAsync("refused");
        await using var client = await Server.ConnectAsync(token, messagePack: false);
        for (var i = 0; i < FloodServerFixture.MaxRefusals; i++)
        {
            await Assert.ThrowsAsync<HubException>(() => client.JoinAsync(Guid.NewGuid().ToString("N")));
        }
        Assert.Equal(HubConnectionState.Connected, client.State);

        await Assert.ThrowsAnyAsync<Exception>(() => client.JoinAsync(Guid.NewGuid().ToString("N")));
        await Eventually.HoldsAsync(() => client.Events.Any(e => e.Kind == "Closed"), "the server closed the connection");
    }

    [Fact]
    public async Task Hub_calls_are_rate_limited_per_connection_and_per_principal()
    {
        var (_, token) = await _kit.UserAsync("rate");
        var docId = await Server.CreateDocumentAsync(token);

        // One connection: 40 calls at once pass (its burst), the rest do not (fewer than the refusals that would
        // close the connection).
        await using var first = await Server.ConnectAsync(token, messagePack: true);
        var answers = await Task.WhenAll(Enumerable.Range(0, 55).Select(async _ =>
        {
            try
            {
                await first.LeaveAsync(docId);
                return "ok";
            }
            catch (HubException ex)
            {
                return ex.Message.Contains("rate-limited", StringComparison.Ordinal) ? "rate-limited" : ex.Message;
            }
        }));
        Assert.All(answers, a => Assert.True(a is "ok" or "rate-limited", a));
        Assert.InRange(answers.Count(a => a == "ok"), 40, 50);
        Assert.Contains("rate-limited", answers);

        // The same principal on a second connection has only what is left of its budget (fewer than this connection's 40).
        await using var second = await Server.ConnectAsync(token, messagePack: true);
        var more = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            try
            {
                await second.LeaveAsync(docId);
                return true;
            }
            catch (Exception ex) when (ex is HubException or TaskCanceledException)
            {
                return false;
            }
        }));
        Assert.Contains(false, more);
        Assert.Contains(true, more);

        // Another principal is not affected.
        var (_, otherToken) = await _kit.UserAsync("calm");
        await using var other = await Server.ConnectAsync(otherToken, messagePack: true);
        var otherDoc = await Server.CreateDocumentAsync(otherToken);
        Assert.Equal("owner", await other.JoinAsync(otherDoc));
    }

    [Fact]
    public async Task Two_anonymous_guests_of_one_link_each_have_their_own_allowance()
    {
        var (_, ownerToken) = await _kit.UserAsync("lnk");
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        var (_, link) = await _kit.LinkAsync(ownerToken, page, "anyone", "view");
        var guestA = await _kit.RedeemAsync(link);
        var guestB = await _kit.RedeemAsync(link);

        // Guest A asks for more than its allowance over two connections (each within its own burst) ...
        await using var a1 = await Server.ConnectAsync(guestA, messagePack: true);
        await using var a2 = await Server.ConnectAsync(guestA, messagePack: true);
        var spent = await Task.WhenAll(Enumerable.Range(0, 70).Select(i => LeaveAsync(i % 2 == 0 ? a1 : a2, page)));
        Assert.Contains(false, spent);

        // ... and guest B, the same link's subject but another redemption, still has all of its own.
        await using var b = await Server.ConnectAsync(guestB, messagePack: true);
        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => LeaveAsync(b, page)));
        Assert.All(answers, Assert.True);

        static async Task<bool> LeaveAsync(TestClient client, string docId)
        {
            try
            {
                await client.LeaveAsync(docId);
                return true;
            }
            catch (Exception ex) when (ex is HubException or TaskCanceledException or InvalidOperationException)
            {
                return false;
            }
        }
    }

    [Fact]
    public async Task A_2_MB_awareness_state_is_refused_too_large_and_not_relayed()
    {
        var (owner, ownerToken) = await _kit.UserAsync("own");
        var (viewer, viewerToken) = await _kit.UserAsync("view");
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        await _kit.GrantAsync(ownerToken, page, $"user:{viewer}", "view");

        await using var ownerClient = await Server.ConnectAsync(ownerToken, messagePack: true);
        await using var viewerClient = await Server.ConnectAsync(viewerToken, messagePack: true);
        Assert.Equal("owner", await ownerClient.JoinAsync(page));
        Assert.Equal("viewer", await viewerClient.JoinAsync(page));

        var huge = AwarenessUpdates.Encode((7001, 1, $$"""{"blob":"{{new string('x', 2 * 1024 * 1024)}}"}"""));
        await viewerClient.SendAsync(page, Frames.Awareness(huge));
        await Eventually.HoldsAsync(() => viewerClient.Rejections.Any(r => r.Code == "too-large"), "the viewer was told too-large");

        // A state of normal size afterwards goes through; the huge one never reached the owner.
        await viewerClient.SendAsync(page, Frames.Awareness(AwarenessUpdates.Encode((7002, 1, """{"cursor":null}"""))));
        await Eventually.HoldsAsync(() => ownerClient.AwarenessOf(page).Any(e => e.Client == 7002), "the owner sees the small state");
        Assert.DoesNotContain(ownerClient.AwarenessOf(page), e => e.Client == 7001);
        Assert.All(ownerClient.FramesOf(page, FrameType.Awareness), f => Assert.True(f.Length < 64 * 1024, $"a {f.Length}-byte awareness frame was relayed"));
        Assert.NotNull(owner);
    }
}
