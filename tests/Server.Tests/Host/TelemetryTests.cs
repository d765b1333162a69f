using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenTelemetry.Trace;
using Spotter.Collab.Crdt;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Host;

/// <summary>A server with a scrape token and traces recorded into memory.</summary>
public sealed class TelemetryServerFixture : IAsyncLifetime, IDisposable
{
    public const string ScrapeToken = "scrape-token-for-tests-0123456789";
    private readonly TempDirectory _directory = new();

    public CollabTestServer Server { get; private set; } = null!;

    /// <summary>Finished spans (the exporter adds from the thread that ends them: lock to read).</summary>
    public List<Activity> Spans { get; } = [];

    public async Task InitializeAsync() =>
        Server = await CollabTestServer.StartAsync(_directory.Path,
            new Dictionary<string, string> { ["Telemetry:ScrapeToken"] = ScrapeToken, ["Telemetry:Tracing"] = "true" },
            builder => builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans)));

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose() => _directory.Dispose();
}

/// <summary>
/// The telemetry an operator reads: the Prometheus scrape endpoint (protected) with the product's own instruments,
/// and traces that follow an HTTP request into the grain it calls.
/// </summary>
public sealed partial class TelemetryTests(TelemetryServerFixture fixture) : IClassFixture<TelemetryServerFixture>
{
    private const string ScrapeToken = TelemetryServerFixture.ScrapeToken;
    private CollabTestServer Server => fixture.Server;
    private List<Activity> Spans => fixture.Spans;

    [Fact]
    public async Task The_scrape_endpoint_answers_the_scrape_token_and_administrators_only()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Http.GetAsync("/metrics")).StatusCode);
        using var wrongToken = Server.Client("not-the-scrape-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongToken.GetAsync("/metrics")).StatusCode);
        using var member = Server.Client(await Server.CreateUserAsync("metrics-reader", "Reader"));
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/metrics")).StatusCode);

        using var admin = Server.Client(await Server.LoginAsync("admin", CollabTestServer.AdminPassword));
        var asAdmin = await admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        using var scraper = Server.Client(ScrapeToken);
        var scraped = await scraper.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        var text = await scraped.Content.ReadAsStringAsync();
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
        Assert.DoesNotContain(ScrapeToken, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_accepted_update_is_counted_with_its_durable_ack_time_and_a_refused_one_by_its_code()
    {
        using var scraper = Server.Client(ScrapeToken);
        var owner = await Server.CreateUserAsync("metrics-owner", "Owner");
        var viewer = await Server.CreateUserAsync("metrics-viewer", "Viewer");
        var docId = await Server.CreateDocumentAsync(owner);
        await Server.ShareAsync(owner, docId, "metrics-viewer", "viewer");
        var before = await ScrapeAsync(scraper);

        var doc = new Doc();
        doc.GetText("t").Insert(0, "counted");
        var update = doc.EncodeStateAsUpdate();
        using (var http = Server.Client(owner))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await PostUpdateAsync(http, docId, update)).StatusCode);
        }
        doc.GetText("t").Insert(0, "refused ");
        using (var http = Server.Client(viewer))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await PostUpdateAsync(http, docId, doc.EncodeStateAsUpdate())).StatusCode);
        }
        var after = await ScrapeAsync(scraper);

        // Other tests' servers share the process (and the static meters): compare deltas, at least what this test did.
        Assert.True(Value(after, "spotter_updates_applied_total", "resource_kind=\"page\"") - Value(before, "spotter_updates_applied_total", "resource_kind=\"page\"") >= 1);
        Assert.True(Value(after, "spotter_updates_size_bytes_total", "resource_kind=\"page\"") - Value(before, "spotter_updates_size_bytes_total", "resource_kind=\"page\"") >= update.Length);
        Assert.True(Value(after, "spotter_durable_ack_duration_seconds_count", "resource_kind=\"page\"") - Value(before, "spotter_durable_ack_duration_seconds_count", "resource_kind=\"page\"") >= 1);
        Assert.True(Value(after, "spotter_group_commit_batch_size_count", null) - Value(before, "spotter_group_commit_batch_size_count", null) >= 1);
        Assert.True(Value(after, "spotter_frames_rejected_total", "reject_code=\"read-only\"") - Value(before, "spotter_frames_rejected_total", "reject_code=\"read-only\"") >= 1);
        Assert.True(Value(after, "spotter_resources_active", "resource_kind=\"page\"") >= 1);
    }

    [Fact]
    public async Task A_request_s_trace_continues_into_the_grain_it_calls()
    {
        var owner = await Server.CreateUserAsync("trace-owner", "Owner");
        using var http = Server.Client(owner);
        // The caller's own trace: HttpClient sends it on as traceparent, and the server continues it.
        ActivityTraceId traceId;
        using (var caller = new Activity("telemetry-test-caller") { ActivityTraceFlags = ActivityTraceFlags.Recorded }.Start())
        {
            traceId = caller.TraceId;
            (await http.PostAsJsonAsync("/api/docs", new { title = "traced" })).EnsureSuccessStatusCode();
        }

        // Spans are exported when they end; the server span ends with the response.
        Activity[] spans = [];
        for (var attempt = 0; attempt < 100; attempt++)
        {
            lock (Spans) spans = [.. Spans.Where(s => s.TraceId == traceId)];
            if (spans.Any(s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore")) break;
            await Task.Delay(50);
        }
        List<string> seen;
        lock (Spans) seen = [.. Spans.Select(s => $"{s.Source.Name} {s.Kind} {s.DisplayName} {s.TraceId}")];
        Assert.True(spans.Any(s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore"), $"no server span of trace {traceId} among:\n{string.Join('\n', seen.TakeLast(30))}");
        var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal("POST", server.GetTagItem("http.request.method"));
        var grainCalls = spans.Where(s => s.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(grainCalls);
        Assert.Contains(grainCalls, s => s.DisplayName.Contains("IDocumentGrain", StringComparison.Ordinal) || (s.GetTagItem("rpc.service") as string)?.Contains("IDocumentGrain", StringComparison.Ordinal) == true);
        // Every grain span hangs under the request's span.
        var byId = spans.ToDictionary(s => s.SpanId);
        foreach (var call in grainCalls)
        {
            var current = call;
            for (var depth = 0; depth < 32 && current.SpanId != server.SpanId && byId.TryGetValue(current.ParentSpanId, out var parent); depth++) current = parent;
            Assert.Equal(server.SpanId, current.SpanId);
        }
    }

    [Fact]
    public async Task The_grafana_dashboard_queries_only_metrics_the_server_exports()
    {
        var path = Path.Combine(RepositoryPaths.Root(), "deploy", "grafana", "spotter-collab.json");
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(panel => panel.TryGetProperty("targets", out _))
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray().Select(target => target.GetProperty("expr").GetString()!))
            .ToList();
        Assert.NotEmpty(expressions);
        // Metric names are the selectors' names: an identifier directly followed by '{'.
        var names = expressions.SelectMany(e => MetricSelector().Matches(e).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);

        // The product's own instruments may not have been measured yet in this run: they must be declared.
        var declared = typeof(Spotter.Collab.Grains.Telemetry.GrainMetrics).GetFields().Concat(typeof(Spotter.Collab.WebHost.Hubs.HubMetrics).GetFields())
            .Select(field => field.GetValue(null)).OfType<System.Diagnostics.Metrics.Instrument>()
            .SelectMany(PrometheusNames).ToHashSet(StringComparer.Ordinal);
        using var scraper = Server.Client(ScrapeToken);
        // Something for the HTTP server instruments to have measured.
        (await scraper.GetAsync("/healthz")).Dispose();
        var exposition = await ScrapeAsync(scraper);
        var unknown = names.Where(name => name.StartsWith("spotter_", StringComparison.Ordinal)
            ? !declared.Contains(name)
            : !exposition.Contains("\n" + name, StringComparison.Ordinal)).ToList();
        Assert.True(unknown.Count == 0, "the dashboard queries metrics nobody exports: " + string.Join(", ", unknown));
    }

    /// <summary>The names an instrument has in the Prometheus exposition (OpenTelemetry's naming: dots become
    /// underscores, the unit is a suffix, counters end in _total, histograms have _bucket, _count and _sum).</summary>
    private static IEnumerable<string> PrometheusNames(System.Diagnostics.Metrics.Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_');
        name += instrument.Unit switch { "s" => "_seconds", "By" => "_bytes", _ => "" };
        var type = instrument.GetType().GetGenericTypeDefinition();
        if (type == typeof(System.Diagnostics.Metrics.Counter<>)) return [name + "_total"];
        if (type == typeof(System.Diagnostics.Metrics.Histogram<>)) return [name + "_bucket", name + "_count", name + "_sum"];
        return [name];
    }

    [GeneratedRegex(@"([a-zA-Z_:][a-zA-Z0-9_:]*)\{")]
    private static partial Regex MetricSelector();

    private static Task<HttpResponseMessage> PostUpdateAsync(HttpClient http, string docId, byte[] update) =>
        http.PostAsync($"/api/docs/{docId}/updates", new ByteArrayContent(update) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } });

    private static async Task<string> ScrapeAsync(HttpClient scraper)
    {
        var response = await scraper.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Sum of a metric's samples whose labels contain <paramref name="label"/> (all when null).</summary>
    private static double Value(string exposition, string metric, string? label)
    {
        var sum = 0.0;
        foreach (Match match in SampleLine().Matches(exposition))
        {
            if (match.Groups["name"].Value != metric) continue;
            if (label is not null && !match.Groups["labels"].Value.Contains(label, StringComparison.Ordinal)) continue;
            sum += double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return sum;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[^ \n]+)", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
