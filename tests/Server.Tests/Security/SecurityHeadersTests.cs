using System.Net;
using System.Net.Http.Json;
using Spotter.Collab.Grains.KnowledgeBase.Content;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Security;

/// <summary>A server with default security settings that serves the built web client (web/dist).</summary>
public sealed class WebServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();

    public CollabTestServer Server { get; private set; } = null!;

    /// <summary>The built web client: web/dist of the repository this test runs from.</summary>
    public static string WebDist
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var dist = Path.Combine(directory.FullName, "web", "dist");
                if (File.Exists(Path.Combine(dist, "index.html"))) return dist;
            }
            throw new InvalidOperationException("web/dist/index.html not found: build the web client (dotnet build builds it)");
        }
    }

    public async Task InitializeAsync() => Server = await CollabTestServer.StartAsync(_directory.Path, new Dictionary<string, string>
    {
        ["Web:DistPath"] = WebDist,
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose() => _directory.Dispose();
}

public sealed class SecurityHeadersTests(WebServerFixture fixture) : IClassFixture<WebServerFixture>, IDisposable
{
    private readonly AccessKit _kit = new(fixture.Server);

    private CollabTestServer Server => fixture.Server;

    public void Dispose() => _kit.Dispose();

    private static void AssertDefences(HttpResponseMessage response)
    {
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        var directives = csp.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d.Split(' ').Skip(1).ToList(), StringComparer.Ordinal);
        Assert.Equal(["'self'"], directives["script-src"]);
        Assert.Equal(["'self'"], directives["connect-src"]);
        Assert.Equal(["'none'"], directives["frame-ancestors"]);
        Assert.Equal(["'self'", "data:", "blob:"], directives["img-src"]);
        Assert.Equal(["'none'"], directives["object-src"]);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/spaces/some-space/pages/some-page")]
    public async Task The_app_page_carries_a_strict_content_security_policy_and_has_no_inline_script(string path)
    {
        var response = await Server.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        AssertDefences(response);
        var html = await response.Content.ReadAsStringAsync();
        // script-src 'self' would refuse an inline script: every script of the page must come from a file.
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "<script\\b[^>]*>");
        Assert.NotEmpty(scripts);
        Assert.All(scripts, s => Assert.Contains(" src=", s.Value, StringComparison.Ordinal));
        Assert.DoesNotMatch("\\son[a-z]+=", html);
    }

    [Fact]
    public async Task Api_answers_carry_the_defences_and_token_answers_are_not_stored()
    {
        var login = await Server.Http.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = CollabTestServer.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        AssertDefences(login);
        Assert.True(login.Headers.CacheControl?.NoStore, "login answer is no-store");
        var tokens = await login.Content.ReadFromJsonAsync<Dictionary<string, System.Text.Json.JsonElement>>();

        var refresh = await Server.Http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = tokens!["refreshToken"].GetString() });
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        Assert.True(refresh.Headers.CacheControl?.NoStore, "refresh answer is no-store");

        var (_, owner) = await _kit.UserAsync("own");
        var page = await _kit.PageAsync(owner, await _kit.SpaceAsync(owner));
        var (_, link) = await _kit.LinkAsync(owner, page, "anyone", "view");
        var redeem = await Server.Http.PostAsJsonAsync("/api/links/redeem", new { token = link });
        Assert.Equal(HttpStatusCode.OK, redeem.StatusCode);
        Assert.True(redeem.Headers.CacheControl?.NoStore, "link redemption answer is no-store");

        using var client = Server.Client(owner);
        var describe = await client.GetAsync($"/api/docs/{page}");
        Assert.Equal(HttpStatusCode.OK, describe.StatusCode);
        AssertDefences(describe);
    }

    [Theory]
    [InlineData("GET", "/api/x")]
    [InlineData("POST", "/api/x")]
    [InlineData("PUT", "/api/no/such/thing")]
    [InlineData("DELETE", "/api/x")]
    [InlineData("GET", "/api")]
    public async Task Unknown_api_routes_answer_404_problem_json_not_the_app(string method, string path)
    {
        var (_, token) = await _kit.UserAsync("lost");
        foreach (var client in new[] { Server.Http, Server.Client(token) })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method is "GET" or "DELETE" ? null : JsonContent.Create(new { }) };
            var response = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("<html", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }
        // A known route called with another method still says so.
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await Server.Client(token).DeleteAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task An_external_image_is_not_kept_in_export_or_import()
    {
        var (_, token) = await _kit.UserAsync("img");
        var page = await _kit.PageAsync(token, await _kit.SpaceAsync(token));
        using var client = Server.Client(token);
        RichNode Image(string src) => RichNode.Element("image", null, new Dictionary<string, object?> { ["src"] = src, ["alt"] = "pic" });
        var update = RichContent.ReplaceUpdate([],
        [
            RichNode.Element("paragraph", [RichNode.TextRun("before")]),
            Image("https://tracker.example/pixel.gif?reader=1"),
            Image("//tracker.example/relative.gif"),
            RichNode.Element("blockquote", [Image("http://tracker.example/nested.gif")]),
            Image("/api/attachments/0123456789abcdef0123456789abcdef"),
            RichNode.Element("paragraph", [RichNode.TextRun("after")]),
        ]);
        var posted = await client.PostAsync($"/api/docs/{page}/updates", new ByteArrayContent(update) { Headers = { ContentType = new("application/octet-stream") } });
        Assert.Equal(HttpStatusCode.NoContent, posted.StatusCode);

        foreach (var format in new[] { "html", "md" })
        {
            var export = await client.GetStringAsync($"/api/docs/{page}/export?format={format}");
            Assert.DoesNotContain("tracker.example", export, StringComparison.Ordinal);
            Assert.Contains("/api/attachments/0123456789abcdef0123456789abcdef", export, StringComparison.Ordinal);
            Assert.Contains("before", export, StringComparison.Ordinal);
            Assert.Contains("after", export, StringComparison.Ordinal);
        }

        var imported = await _kit.PageAsync(token, await _kit.SpaceAsync(token));
        var import = await client.PostAsync($"/api/docs/{imported}/import",
            new StringContent("# Title\n\n![pixel](https://tracker.example/p.gif)\n\n![own](/api/attachments/abc)\n", System.Text.Encoding.UTF8, "text/markdown"));
        Assert.Equal(HttpStatusCode.NoContent, import.StatusCode);
        var markdown = await client.GetStringAsync($"/api/docs/{imported}/export?format=md");
        Assert.DoesNotContain("tracker.example", markdown, StringComparison.Ordinal);
        Assert.Contains("/api/attachments/abc", markdown, StringComparison.Ordinal);
    }
}
