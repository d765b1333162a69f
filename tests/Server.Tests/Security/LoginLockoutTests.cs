using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Security;

/// <summary>Default lockout (5 failures in 15 minutes lock for 15 minutes), with sign-ins from two loopback
/// addresses: the tests' own (127.0.0.1) and an attacker's (127.0.0.2).</summary>
public sealed class LoginLockoutTests(WebServerFixture fixture) : IClassFixture<WebServerFixture>, IDisposable
{
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");

    private readonly AccessKit _kit = new(fixture.Server);

    private CollabTestServer Server => fixture.Server;

    public void Dispose() => _kit.Dispose();

    /// <summary>An HTTP client whose connections come from <paramref name="local"/>.</summary>
    private HttpClient From(IPAddress local) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = Server.BaseAddress };

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string username, string password) =>
        client.PostAsJsonAsync("/api/auth/login", new { username, password });

    [Fact]
    public async Task Five_failed_logins_for_admin_from_another_address_do_not_lock_the_real_admin_out()
    {
        using var attacker = From(Attacker);
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++) answers.Add((await LoginAsync(attacker, "admin", $"guess-{i}")).StatusCode);

        // The attacker's address is locked out, for the right password too.
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 4), HttpStatusCode.TooManyRequests], answers);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(attacker, "admin", CollabTestServer.AdminPassword)).StatusCode);
        // The admin, from their own address, is not.
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(Server.Http, "admin", CollabTestServer.AdminPassword)).StatusCode);

        // The lockout is recorded with the attacker's address.
        var admin = await _kit.AdminAsync();
        using var log = JsonDocument.Parse(await admin.GetStringAsync($"/api/admin/audit?target=admin&action={AuditActions.LockedOut}&limit=10"));
        Assert.Contains(log.RootElement.EnumerateArray(), e => e.GetProperty("sourceAddress").GetString() == "127.0.0.2");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync("/api/admin/users/admin/unlock", null)).StatusCode);
    }

    [Fact]
    public async Task An_admin_unlocks_a_locked_account()
    {
        var (user, _) = await _kit.UserAsync("locked");
        using var attacker = From(Attacker);
        for (var i = 0; i < 5; i++) await LoginAsync(attacker, user, "wrong");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(attacker, user, CollabTestServer.UserPassword)).StatusCode);

        var admin = await _kit.AdminAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{user}/unlock", null)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(attacker, user, CollabTestServer.UserPassword)).StatusCode);
        using var log = JsonDocument.Parse(await admin.GetStringAsync($"/api/admin/audit?target={user}&action={AuditActions.Unlocked}"));
        var entry = Assert.Single(log.RootElement.EnumerateArray());
        Assert.Equal("admin", entry.GetProperty("actor").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("/api/admin/users/NOT%20A%20NAME/unlock", null)).StatusCode);
    }
}
