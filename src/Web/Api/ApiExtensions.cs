using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Spotter.Collab.WebHost.Api;

public static partial class ApiExtensions
{
    public static WebApplicationBuilder AddCollabApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddProblemDetails();
        // Enums travel as camelCase strings ("view", "partner", "trusted", ...), never as numbers.
        builder.Services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false)));
        builder.Services.AddOpenApi(options => options.DescribeTheWire());
        builder.Services.AddSingleton<RedeemThrottle>();
        builder.Services.AddSingleton<AuditRecorder>();
        builder.Services.AddSingleton<Application.PageTransfer>();
        builder.Services.AddSingleton<Application.SpaceExport>();
        builder.Services.AddSingleton<Application.PageHistory>();
        builder.Services.AddSingleton<Application.PageMoves>();
        builder.Services.AddSingleton<Application.UserAccounts>();
        builder.Services.AddSingleton<Assistant.AssistantChat>();
        builder.Services.AddOptions<DenialAuditOptions>().Bind(builder.Configuration.GetSection(DenialAuditOptions.SectionName));
        builder.Services.AddSingleton<DenialRecorder>();
        builder.Services.AddOptions<CollabLimits>().Bind(builder.Configuration.GetSection(CollabLimits.SectionName));
        builder.Services.AddOptions<Grains.KnowledgeBase.KnowledgeBaseOptions>().Bind(builder.Configuration.GetSection(Grains.KnowledgeBase.KnowledgeBaseOptions.SectionName));
        return builder;
    }

    /// <summary>Usernames are case-insensitive: stored and compared in lower case.</summary>
    public static string? NormalizeUsername(string? username)
    {
        if (string.IsNullOrWhiteSpace(username)) return null;
        var normalized = username.Trim().ToLowerInvariant();
        return UsernamePattern().IsMatch(normalized) ? normalized : null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,63}$")]
    private static partial Regex UsernamePattern();
}

/// <summary>Size bounds on client input.</summary>
public sealed class CollabLimits
{
    public const string SectionName = "Collab";

    /// <summary>Largest client frame (hub Send) or HTTP update accepted; larger ones are rejected as too-large.</summary>
    public int MaxFrameBytes { get; set; } = 16 * 1024 * 1024;
}
