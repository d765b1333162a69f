namespace Spotter.Collab.Grains.Audit;

/// <summary>
/// Append-only record of security-relevant actions. There is deliberately no update or delete: entries are
/// evidence. The web host writes every entry (it knows the caller's address): logins, grant changes, exports, link use, denials.
/// </summary>
public interface IAuditLog
{
    /// <summary>Appends one entry; completes once it is durable.</summary>
    Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Newest first, filtered; <see cref="AuditQuery.Before"/> pages backwards by sequence number.</summary>
    Task<IReadOnlyList<StoredAuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);
}

/// <summary>One action: who (<paramref name="Actor"/>: a username, <c>link:&lt;id&gt;</c> or <c>anonymous</c>) did
/// what (<paramref name="Action"/>, one of <see cref="AuditActions"/>) to what (<paramref name="Target"/>, e.g. a
/// resource id or username), with the outcome, free-form detail and the client's address.</summary>
[GenerateSerializer, Immutable, Alias("spotter.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] string Actor,
    [property: Id(1)] string Action,
    [property: Id(2)] string? Target,
    [property: Id(3)] string? Detail = null,
    [property: Id(4)] string? SourceAddress = null,
    [property: Id(5)] DateTimeOffset? Time = null);

[GenerateSerializer, Immutable, Alias("spotter.StoredAuditEntry")]
public sealed record StoredAuditEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset Time,
    [property: Id(2)] string Actor,
    [property: Id(3)] string Action,
    [property: Id(4)] string? Target,
    [property: Id(5)] string? Detail,
    [property: Id(6)] string? SourceAddress);

public sealed record AuditQuery(
    string? Actor = null,
    string? Action = null,
    string? Target = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    long? Before = null,
    int Limit = 100);

/// <summary>The action vocabulary. Add new names here so the audit page and queries stay consistent.</summary>
public static class AuditActions
{
    public const string Login = "auth.login";
    public const string LoginFailed = "auth.login-failed";
    public const string LockedOut = "auth.locked-out";
    public const string Unlocked = "auth.unlocked";
    public const string TokenRefreshed = "auth.refresh";
    public const string RefreshReuse = "auth.refresh-reuse";
    public const string Logout = "auth.logout";
    public const string PasswordChanged = "auth.password-changed";
    public const string PasswordReset = "auth.password-reset";
    public const string SessionsRevoked = "auth.sessions-revoked";
    public const string UserCreated = "directory.user-created";
    public const string UserChanged = "directory.user-changed";
    public const string UserDeactivated = "directory.user-deactivated";
    public const string UserReactivated = "directory.user-reactivated";
    public const string DirectoryChanged = "directory.changed";
    public const string PolicyChanged = "policy.changed";
    public const string GrantAdded = "access.grant-added";
    public const string GrantRemoved = "access.grant-removed";
    public const string SettingsChanged = "access.settings-changed";
    public const string AccessDenied = "access.denied";
    public const string LinkCreated = "link.created";
    public const string LinkUsed = "link.used";
    public const string LinkRedeemFailed = "link.redeem-failed";
    public const string LinkRevoked = "link.revoked";
    public const string Revoked = "access.revoked";
    public const string Export = "content.export";
    public const string ExportRefused = "content.export-refused";
    public const string Import = "content.import";
    public const string VersionRestored = "content.version-restored";
    public const string PageMoved = "tree.page-moved";
    public const string PageTrashed = "tree.page-trashed";
    public const string Backup = "admin.backup";
    public const string PageRestored = "tree.page-restored";
    public const string WebhookAdded = "automation.webhook-added";
    public const string WebhookRemoved = "automation.webhook-removed";
    public const string RuleAdded = "automation.rule-added";
    public const string RuleRemoved = "automation.rule-removed";
    public const string AssistantAsked = "assistant.asked";
    public const string AssistantUnanswered = "assistant.unanswered";
    public const string AssistantFeedback = "assistant.feedback";
    public const string AssistantSettingsChanged = "assistant.settings-changed";
}
