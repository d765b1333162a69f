using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Spotter.Collab.ServiceDefaults;

/// <summary>Telemetry settings (section <c>Telemetry</c>); OTLP itself is configured by the standard
/// <c>OTEL_EXPORTER_OTLP_*</c> variables.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>Record traces. Default: on when an OTLP endpoint is configured (nothing else would read them).</summary>
    public bool? Tracing { get; set; }

    /// <summary>Collect metrics at all (off: no meter is listened to, no scrape endpoint).</summary>
    public bool Metrics { get; set; } = true;

    /// <summary>Serve the Prometheus scrape endpoint.</summary>
    public bool Prometheus { get; set; } = true;

    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>Share of traces recorded (0–1) for requests that arrive without a sampled parent; a sampled parent is
    /// always followed. Every grain call of a recorded trace is a span, so busy installations record a fraction.</summary>
    public double TraceSampleRatio { get; set; } = 1.0;

    /// <summary>A bearer token a scraper sends (<c>Authorization: Bearer …</c>; Prometheus' <c>authorization</c>
    /// setting). Without one, only what the host lets in besides (an administrator's session on the web host).</summary>
    public string? ScrapeToken { get; set; }
}

/// <summary>
/// What every process of the product wires the same way: OpenTelemetry metrics (ASP.NET Core, HTTP client, runtime,
/// Orleans, Npgsql and the product's own meters <c>Spotter.Collab.*</c>), traces across web host → grain → store when
/// something reads them, logs stamped with the trace and span ids, OTLP export when configured and a protected
/// Prometheus scrape endpoint that needs no collector.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>The product's own meters and activity sources all start with this.</summary>
    public const string ProductPrefix = "Spotter.Collab.";

    private const string LinkPath = "/link";

    private const string RequestLineCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    private static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, string serviceName)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(TelemetryOptions.SectionName);
        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        builder.Services.Configure<TelemetryOptions>(section);
        builder.Services.AddHealthChecks();

        // ASP.NET Core's "Request starting" line logs the whole URL, and a browser's hub requests carry the access
        // token in the query string (WebSockets take no headers): never let those lines through, whatever the
        // configured level (this rule comes after the configuration's, so it wins for the same category). Traces
        // record requests with the query redacted.
        builder.Logging.AddFilter(RequestLineCategory, level => level >= LogLevel.Warning);
        // Console and file logs carry the ids that join them to a trace.
        builder.Logging.Configure(logging => logging.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId));
        if (options.Metrics)
        {
            telemetry.WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter("Microsoft.Orleans", "Npgsql", ProductPrefix + "*");
                // Scrapes come every few seconds at most; a cached answer would hide what just happened.
                if (options.Prometheus) metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
            });
        }
        if (IsTracingEnabled(builder.Configuration))
        {
            var ratio = Math.Clamp(options.TraceSampleRatio, 0, 1);
            telemetry.WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)))
                .AddAspNetCoreInstrumentation(aspNet =>
                {
                    aspNet.Filter = context => !IsProbe(context.Request.Path, options.MetricsPath);
                    // A share link's address carries its token in the path: the trace keeps the route, not the token.
                    aspNet.EnrichWithHttpRequest = (activity, request) =>
                    {
                        if (request.Path.StartsWithSegments(LinkPath)) activity.SetTag("url.path", LinkPath + "/{token}");
                    };
                })
                .AddHttpClientInstrumentation()
                .AddSource(OrleansSources)
                .AddSource("Npgsql", ProductPrefix + "*"));
        }
        if (HasOtlpEndpoint(builder.Configuration))
        {
            builder.Logging.AddOpenTelemetry(logging =>
            {
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
            });
            telemetry.UseOtlpExporter();
        }
        return builder;
    }

    private static readonly HttpMethodMetadata GetOnly = new([HttpMethods.Get]);

    /// <summary>Health checks that decide <c>/readyz</c> carry this tag; <c>/healthz</c> runs none (the process answers).</summary>
    public const string ReadyTag = "ready";

    /// <summary><c>/healthz</c>: the process runs. <c>/readyz</c>: every check tagged <see cref="ReadyTag"/> passes
    /// (503 otherwise). Both answer plain text: the checks' descriptions.</summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteTextAsync }).WithMetadata(GetOnly);
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteTextAsync }).WithMetadata(GetOnly);
        return app;
    }

    private static Task WriteTextAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = report.Entries.Count == 0
            ? "ok"
            : string.Join("; ", report.Entries.Select(entry => entry.Value.Description ?? $"{entry.Key}: {entry.Value.Status}"));
        return context.Response.WriteAsync(text);
    }

    /// <summary>Whether traces are recorded: the setting, else whether an OTLP endpoint would receive them. Orleans'
    /// activity propagation (<c>AddActivityPropagation</c>) follows the same switch.</summary>
    public static bool IsTracingEnabled(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetValue<bool?>($"{TelemetryOptions.SectionName}:{nameof(TelemetryOptions.Tracing)}") ?? HasOtlpEndpoint(configuration);
    }

    private static bool HasOtlpEndpoint(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);

    private static bool IsProbe(PathString path, string metricsPath) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments(metricsPath);

    /// <summary>
    /// The Prometheus scrape endpoint (<see cref="TelemetryOptions.MetricsPath"/>), answered only to a request with the
    /// configured scrape token or one <paramref name="isAdministrator"/> accepts; 401 otherwise (403 for a signed-in
    /// non-administrator).
    /// </summary>
    public static IEndpointConventionBuilder? MapMetricsEndpoint(this WebApplication app, Func<HttpContext, ValueTask<bool>>? isAdministrator = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.Metrics || !options.Prometheus) return null;
        var token = string.IsNullOrEmpty(options.ScrapeToken) ? null : Encoding.UTF8.GetBytes(options.ScrapeToken);
        return app.MapPrometheusScrapingEndpoint(options.MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            if (HasScrapeToken(context, token) || (isAdministrator is not null && await isAdministrator(context)))
            {
                await next(context);
                return;
            }
            context.Response.StatusCode = context.User.Identity?.IsAuthenticated == true ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;
        }), optionsName: null).WithMetadata(GetOnly);
    }

    private static bool HasScrapeToken(HttpContext context, byte[]? token)
    {
        if (token is null) return false;
        var header = context.Request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Bearer.Length..].Trim()), token);
    }
}
