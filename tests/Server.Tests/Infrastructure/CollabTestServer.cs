using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Spotter.Collab.WebHost;

namespace Spotter.Collab.Server.Tests.Infrastructure;

/// <summary>The real server (Kestrel + embedded silo + SQLite) on free ports, in this process.</summary>
public sealed class CollabTestServer : CollabApiClient, IAsyncDisposable
{
    public const string AdminPassword = "admin-password-for-tests";
    public const string UserPassword = "user-password-123";

    private readonly WebApplication _app;

    private CollabTestServer(WebApplication app, Uri baseAddress) : base(baseAddress) => _app = app;

    public IServiceProvider Services => _app.Services;

    public static async Task<CollabTestServer> StartAsync(string dataDirectory, IDictionary<string, string>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var port = TestPorts.Free();
        var args = new List<string>
        {
            $"--urls=http://127.0.0.1:{port}",
            $"--Storage:DataDirectory={dataDirectory}",
            $"--Orleans:SiloPort={TestPorts.Free()}",
            $"--Orleans:GatewayPort={TestPorts.Free()}",
            $"--Orleans:ClusterId=test-{Guid.NewGuid():N}",
            $"--SPOTTER_ADMIN_PASSWORD={AdminPassword}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Orleans=Error",
            // Tests sign in hundreds of times; production keeps the slow default. A test's own settings override it.
            "--Auth:PasswordIterations=10000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) args.Add($"--{key}={value}");
        var app = CollabServer.Build([.. args], configure);
        await app.StartAsync();
        return new CollabTestServer(app, new Uri($"http://127.0.0.1:{port}"));
    }

    public Task<TestClient> ConnectAsync(string token, bool messagePack) =>
        TestClient.ConnectAsync(new Uri(BaseAddress, "/hubs/collab"), token, messagePack);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
