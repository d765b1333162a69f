using System.Globalization;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spotter.Collab.Grains.Projects;

/// <summary>What an outbox row carries: the event and the line of text to post (the rule's, or the default).</summary>
public sealed record DeliveryEnvelope(ProjectEvent Event, string Text);

/// <summary>The generic JSON format's body: the event, its text and the idempotency key.</summary>
public sealed record JsonWebhookBody(
    string IdempotencyKey, string ProjectId, long Sequence, string Type, string Actor, DateTimeOffset At, string? ItemId, string? ItemTitle,
    string? NodeKey, string? Field, string? From, string? To, string? Reason, int Depth, string Text);

/// <summary>Builds the text and the HTTP request of a delivery in each webhook format.</summary>
public static class AutomationPayloads
{
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string TimestampHeader = "X-Spotter-Timestamp";
    public const string SignatureHeader = "X-Spotter-Signature";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>One readable English line for the event. It names only what the event carries (the actor could read
    /// all of it when the change was made).</summary>
    public static string DefaultText(ProjectEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var item = e.ItemTitle is { Length: > 0 } title ? $"\"{title}\"" : e.ItemId ?? "an item";
        var node = e.NodeKey ?? "a node";
        return e.Type switch
        {
            ProjectEventTypes.ItemCreated => $"{e.Actor} created {item}",
            ProjectEventTypes.ItemStatusChanged => $"{e.Actor} moved {item} from {e.From ?? "-"} to {e.To ?? "-"}",
            ProjectEventTypes.ItemFieldChanged => $"{e.Actor} changed {e.Field ?? "a field"} of {item} from {e.From ?? "-"} to {e.To ?? "-"}",
            ProjectEventTypes.ItemOverdue => $"{item} is overdue",
            ProjectEventTypes.NodeStarted => $"{e.Actor} started {node} of {item}",
            ProjectEventTypes.NodeCompleted => $"{e.Actor} completed {node} of {item}",
            ProjectEventTypes.NodeRolledBack => $"{e.Actor} rolled back {node} of {item}" + (e.Reason is { Length: > 0 } reason ? $": {reason}" : ""),
            ProjectEventTypes.NodeStatusChanged => $"{node} of {item} went from {e.From ?? "-"} to {e.To ?? "-"}",
            _ => $"{e.Actor}: {e.Type} on {item}",
        };
    }

    /// <summary>A rule's own text with <c>{actor} {item} {node} {field} {from} {to} {reason}</c> filled in.</summary>
    public static string RuleText(string template, ProjectEvent e)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(e);
        return template
            .Replace("{actor}", e.Actor, StringComparison.Ordinal)
            .Replace("{item}", e.ItemTitle ?? e.ItemId ?? "", StringComparison.Ordinal)
            .Replace("{node}", e.NodeKey ?? "", StringComparison.Ordinal)
            .Replace("{field}", e.Field ?? "", StringComparison.Ordinal)
            .Replace("{from}", e.From ?? "", StringComparison.Ordinal)
            .Replace("{to}", e.To ?? "", StringComparison.Ordinal)
            .Replace("{reason}", e.Reason ?? "", StringComparison.Ordinal);
    }

    /// <summary>The request of one attempt (signatures are made from the attempt's time <paramref name="now"/>).</summary>
    public static HttpRequestMessage BuildRequest(StoredWebhook hook, string idempotencyKey, DeliveryEnvelope envelope, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(hook);
        ArgumentNullException.ThrowIfNull(envelope);
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, hook.Url);
        request.Headers.TryAddWithoutValidation(IdempotencyHeader, idempotencyKey);
        string body;
        switch (hook.Format)
        {
            case WebhookFormats.Feishu:
                var content = new Dictionary<string, object>(StringComparer.Ordinal);
                if (hook.Secret is { Length: > 0 } secret)
                {
                    content["timestamp"] = timestamp;
                    content["sign"] = FeishuSign(timestamp, secret);
                }
                content["msg_type"] = "text";
                content["content"] = new Dictionary<string, string>(StringComparer.Ordinal) { ["text"] = envelope.Text };
                body = JsonSerializer.Serialize(content, Json);
                break;
            case WebhookFormats.Slack:
                body = JsonSerializer.Serialize(new Dictionary<string, string>(StringComparer.Ordinal) { ["text"] = envelope.Text }, Json);
                break;
            default:
                var e = envelope.Event;
                body = JsonSerializer.Serialize(new JsonWebhookBody(idempotencyKey, e.ProjectId, e.Sequence, e.Type, e.Actor, e.At, e.ItemId, e.ItemTitle,
                    e.NodeKey, e.Field, e.From, e.To, e.Reason, e.Depth, envelope.Text), Json);
                if (hook.Secret is { Length: > 0 } jsonSecret)
                {
                    request.Headers.TryAddWithoutValidation(TimestampHeader, timestamp);
                    request.Headers.TryAddWithoutValidation(SignatureHeader, "sha256=" + JsonSignature(jsonSecret, timestamp, body));
                }
                break;
        }
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return request;
    }

    /// <summary>Feishu/Lark custom bot signature: base64(HMAC-SHA256 keyed with <c>timestamp + "\n" + secret</c> over
    /// no bytes).</summary>
    public static string FeishuSign(string timestamp, string secret) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp + "\n" + secret), Array.Empty<byte>()));

    /// <summary>The generic format's signature: hex HMAC-SHA256 keyed with the secret over <c>timestamp + "." + body</c>.</summary>
    public static string JsonSignature(string secret, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "." + body)));
}
