using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Security;

/// <summary>
/// No secret reaches the logs: a server logging everything its operators could turn on (debug for the product and
/// ASP.NET Core, information for Orleans) goes through sign-in, refresh, a hub session, a password change and a
/// password-protected share link, and every line it wrote (message, structured values, scopes, exceptions) is
/// searched for the signing key, the passwords and the tokens.
/// </summary>
public sealed class LogSecretsTests : IAsyncLifetime, IDisposable
{
    private static readonly string SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
    private readonly TempDirectory _directory = new();
    private readonly CapturingLoggerProvider _logs = new();
    private CollabTestServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await CollabTestServer.StartAsync(_directory.Path, new Dictionary<string, string>
        {
            ["Auth:SigningKeys:0"] = SigningKey,
            ["Logging:LogLevel:Default"] = "Debug",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
            ["Logging:LogLevel:Orleans"] = "Information",
        }, builder => builder.Logging.AddProvider(_logs));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        _directory.Dispose();
        _logs.Dispose();
    }

    [Fact]
    public async Task Passwords_tokens_and_the_signing_key_never_appear_in_the_logs()
    {
        var secrets = new List<(string What, string Value)>
        {
            ("signing key", SigningKey),
            ("admin password", CollabTestServer.AdminPassword),
            ("user password", CollabTestServer.UserPassword),
        };

        var login = await LoginAsync("admin", CollabTestServer.AdminPassword);
        secrets.Add(("access token", login.AccessToken));
        secrets.Add(("refresh token", login.RefreshToken));
        var refreshed = await _server.Http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = login.RefreshToken });
        refreshed.EnsureSuccessStatusCode();
        var renewed = await refreshed.Content.ReadFromJsonAsync<TokenAnswer>();
        secrets.Add(("refreshed access token", renewed!.AccessToken));
        secrets.Add(("second refresh token", renewed.RefreshToken));
        // A failed sign-in with a password that is almost right, and one for a user that does not exist.
        Assert.False((await _server.Http.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = CollabTestServer.AdminPassword + "x" })).IsSuccessStatusCode);
        secrets.Add(("wrong password", CollabTestServer.AdminPassword + "x"));

        var userToken = await _server.CreateUserAsync("logwriter", "Log Writer");
        secrets.Add(("user token", userToken));
        var docId = await _server.CreateDocumentAsync(userToken, "secret plans");
        await using (var hub = await _server.ConnectAsync(userToken, messagePack: false))
        {
            await hub.JoinAsync(docId);
        }
        // Browsers cannot set headers on a WebSocket: their hub requests carry the token in the query string.
        var negotiate = await _server.Http.PostAsync($"/hubs/collab/negotiate?negotiateVersion=1&access_token={Uri.EscapeDataString(userToken)}", null);
        Assert.True(negotiate.IsSuccessStatusCode, $"negotiate with a query-string token: {(int)negotiate.StatusCode}");

        const string NewPassword = "a-brand-new-password-42";
        secrets.Add(("new password", NewPassword));
        using (var user = _server.Client(userToken))
        {
            (await user.PostAsJsonAsync("/api/auth/password", new { current = CollabTestServer.UserPassword, @new = NewPassword })).EnsureSuccessStatusCode();
        }
        var afterChange = await LoginAsync("logwriter", NewPassword);
        secrets.Add(("token after the password change", afterChange.AccessToken));

        const string LinkPassword = "link-password-77";
        secrets.Add(("link password", LinkPassword));
        using (var owner = _server.Client(afterChange.AccessToken))
        {
            var created = await owner.PostAsJsonAsync($"/api/resources/{docId}/links", new { scope = "anyone", role = "view", password = LinkPassword });
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            using var link = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
            var linkToken = link.RootElement.GetProperty("token").GetString()!;
            secrets.Add(("link token", linkToken));
            // Opening the link's address: the token is in the fragment, which an HTTP client never sends.
            var address = link.RootElement.GetProperty("url").GetString()!;
            Assert.DoesNotContain(linkToken, address.Split('#')[0], StringComparison.Ordinal);
            using var opened = await _server.Http.GetAsync(address);
            Assert.False((await _server.Http.PostAsJsonAsync("/api/links/redeem", new { token = linkToken, password = "wrong-link-password" })).IsSuccessStatusCode);
            var redeemed = await _server.Http.PostAsJsonAsync("/api/links/redeem", new { token = linkToken, password = LinkPassword });
            redeemed.EnsureSuccessStatusCode();
            using var session = JsonDocument.Parse(await redeemed.Content.ReadAsStringAsync());
            var linkSession = session.RootElement.GetProperty("accessToken").GetString()!;
            secrets.Add(("link session token", linkSession));
            await using var guest = await _server.ConnectAsync(linkSession, messagePack: true);
            await guest.JoinAsync(docId);
        }

        var lines = _logs.Lines;
        Assert.True(lines.Count > 50, $"the server logged only {lines.Count} lines: the capture is not working");
        foreach (var (what, value) in secrets)
        {
            // JWTs are also checked by their signature part alone (a log that cut the token would still leak it).
            var needles = value.Count(c => c == '.') == 2 ? new[] { value, value[(value.LastIndexOf('.') + 1)..] } : [value];
            foreach (var needle in needles)
            {
                var leak = lines.FirstOrDefault(line => line.Contains(needle, StringComparison.Ordinal));
                Assert.True(leak is null, $"the {what} appears in the log: {leak}");
            }
        }
    }

    private async Task<TokenAnswer> LoginAsync(string username, string password)
    {
        var response = await _server.Http.PostAsJsonAsync("/api/auth/login", new { username, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TokenAnswer>())!;
    }

    private sealed record TokenAnswer(string AccessToken, string RefreshToken);

    /// <summary>Keeps every log entry as text: category, message, structured values, scopes and exception.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private readonly ConcurrentQueue<string> _lines = new();
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public IReadOnlyList<string> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Capturing(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Capturing(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var text = new StringBuilder().Append(category).Append(' ').Append(formatter(state, exception));
                if (state is IEnumerable<KeyValuePair<string, object?>> values)
                {
                    foreach (var (key, value) in values) text.Append(' ').Append(key).Append('=').Append(value);
                }
                owner._scopes.ForEachScope((scope, builder) => builder.Append(" scope=").Append(scope), text);
                if (exception is not null) text.Append(' ').Append(exception);
                owner._lines.Enqueue(text.ToString());
            }
        }
    }
}
