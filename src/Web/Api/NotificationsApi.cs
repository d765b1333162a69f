using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Notifications;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

/// <summary>One notification as listed. <see cref="Title"/> and <see cref="SpaceId"/> are the resource's as the
/// caller may read them now; <see cref="Actor"/> is the actor's opaque id. <see cref="Anchor"/> says where in the
/// resource (a comment thread id for comment mentions and replies).</summary>
public sealed record NotificationResponse(long Id, string Kind, string ResourceId, string ResourceKind, string Title, string? SpaceId, string? Anchor,
    string Actor, string ActorName, string Snippet, DateTimeOffset CreatedAt, bool Read);

/// <summary>A page of the inbox, newest first; <see cref="Next"/> is the <c>before</c> of the following page (null at
/// the end). <see cref="Unread"/> counts the unread notifications about what the caller may read.</summary>
public sealed record NotificationListResponse(IReadOnlyList<NotificationResponse> Items, long? Next, int Unread);

public sealed record UnreadResponse(int Unread);

public sealed record MarkReadRequest(IReadOnlyList<long>? Ids);

/// <summary><see cref="Kinds"/>: every kind the server sends; <see cref="MutedKinds"/>: those the caller does not want.</summary>
public sealed record NotificationSettingsResponse(IReadOnlyList<string> Kinds, IReadOnlyList<string> MutedKinds);

public sealed record NotificationSettingsRequest(IReadOnlyList<string>? MutedKinds);

public sealed record MentionCheckRequest(IReadOnlyList<string>? Usernames);

/// <summary>Whether the person may read the resource (a mention of someone who may not notifies nobody).</summary>
public sealed record MentionCheck(string Username, bool CanRead);

/// <summary>
/// The caller's inbox (accounts only: link sessions get 403). Notifications about something the caller can no longer
/// read are neither listed nor counted. New ones and count changes are also pushed over the hub
/// (<c>Notification</c>, docs/notifications.md).
/// </summary>
public static class NotificationsApi
{
    /// <summary>The kinds a user may mute in their settings.</summary>
    public static readonly IReadOnlyList<string> Kinds = [
        NotificationKinds.Mention, NotificationKinds.Reply, NotificationKinds.Share,
        NotificationKinds.Assignment, NotificationKinds.NodeReady, NotificationKinds.Status,
    ];

    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        var inbox = app.MapGroup("/api/notifications").RequireAuthorization().WithTags("Notifications")
            .ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden);
        inbox.MapGet("/", ListAsync).ProducesProblems(StatusCodes.Status400BadRequest);
        inbox.MapGet("/unread", UnreadAsync);
        inbox.MapPost("/read", MarkReadAsync).ProducesProblems(StatusCodes.Status400BadRequest);
        inbox.MapPost("/read-all", MarkAllReadAsync);
        inbox.MapGet("/settings", GetSettingsAsync);
        inbox.MapPut("/settings", SetSettingsAsync).ProducesProblems(StatusCodes.Status400BadRequest);
        app.MapPost("/api/docs/{id}/mention-check", MentionCheckAsync).RequireAuthorization().WithTags("Notifications")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Ok<NotificationListResponse>, ProblemHttpResult>> ListAsync(long? before, int? limit, bool? unread,
        HttpContext http, IGrainFactory grains)
    {
        if (AccountOf(http) is not { } username) return NotForLinks();
        if (limit is < 1 or > NotificationLimits.MaxPage) return Problems.Invalid($"limit: 1-{NotificationLimits.MaxPage}");
        if (before is < 1) return Problems.Invalid("before: a positive sequence");
        var page = await grains.GetGrain<INotificationsGrain>(username).List(before, limit ?? 30, unread ?? false);
        var access = grains.AccessReader();
        var people = await People.DescribeAsync(grains, http, page.Items.Select(n => n.Actor));
        var items = new List<NotificationResponse>(page.Items.Count);
        var resources = new Dictionary<string, ResourceInfo?>(StringComparer.Ordinal);
        foreach (var n in page.Items)
        {
            // The title as the caller may read it now (the grain filtered by access; a page moved to the trash
            // since is left out like one the caller lost).
            if (!resources.TryGetValue(n.ResourceId, out var resource))
            {
                resources[n.ResourceId] = resource = await access.GetResource(n.ResourceId, username);
            }
            if (resource is null || resource.Trashed) continue;
            var actor = people.Of(n.Actor);
            items.Add(new NotificationResponse(n.Sequence, n.Kind, n.ResourceId, resource.Kind.ToString().ToLowerInvariant(), resource.Title, resource.SpaceId,
                n.Anchor, actor.Id, actor.DisplayName, n.Snippet, n.CreatedAt, n.Read));
        }
        return TypedResults.Ok(new NotificationListResponse(items, page.Next, page.Unread));
    }

    private static async Task<Results<Ok<UnreadResponse>, ProblemHttpResult>> UnreadAsync(HttpContext http, IGrainFactory grains) =>
        AccountOf(http) is { } username ? TypedResults.Ok(new UnreadResponse(await grains.GetGrain<INotificationsGrain>(username).UnreadCount())) : NotForLinks();

    private static async Task<Results<Ok<UnreadResponse>, ProblemHttpResult>> MarkReadAsync(MarkReadRequest request, HttpContext http, IGrainFactory grains)
    {
        if (AccountOf(http) is not { } username) return NotForLinks();
        if (request.Ids is not { Count: > 0 and <= NotificationLimits.MaxPage } ids) return Problems.Invalid($"ids: 1-{NotificationLimits.MaxPage} notification ids");
        return TypedResults.Ok(new UnreadResponse(await grains.GetGrain<INotificationsGrain>(username).MarkRead(ids)));
    }

    private static async Task<Results<Ok<UnreadResponse>, ProblemHttpResult>> MarkAllReadAsync(HttpContext http, IGrainFactory grains) =>
        AccountOf(http) is { } username ? TypedResults.Ok(new UnreadResponse(await grains.GetGrain<INotificationsGrain>(username).MarkAllRead())) : NotForLinks();

    private static async Task<Results<Ok<NotificationSettingsResponse>, ProblemHttpResult>> GetSettingsAsync(HttpContext http, IGrainFactory grains)
    {
        if (AccountOf(http) is not { } username) return NotForLinks();
        var settings = await grains.GetGrain<INotificationsGrain>(username).GetSettings();
        return TypedResults.Ok(new NotificationSettingsResponse(Kinds, settings.MutedKinds));
    }

    private static async Task<Results<Ok<NotificationSettingsResponse>, ProblemHttpResult>> SetSettingsAsync(NotificationSettingsRequest request, HttpContext http, IGrainFactory grains)
    {
        if (AccountOf(http) is not { } username) return NotForLinks();
        var muted = request.MutedKinds ?? [];
        if (muted.FirstOrDefault(k => !Kinds.Contains(k)) is { } unknown) return Problems.Invalid($"mutedKinds: {unknown} is not one of {string.Join(", ", Kinds)}");
        var inbox = grains.GetGrain<INotificationsGrain>(username);
        await inbox.SetSettings(new NotificationSettings(muted));
        return TypedResults.Ok(new NotificationSettingsResponse(Kinds, (await inbox.GetSettings()).MutedKinds));
    }

    /// <summary>The people picker's check: which of these people may read the page, so mentioning one who may not
    /// warns. Only for employees who may read the page themselves.</summary>
    private static async Task<Results<Ok<List<MentionCheck>>, ProblemHttpResult>> MentionCheckAsync(string id, MentionCheckRequest request, HttpContext http, IGrainFactory grains)
    {
        if (AccountOf(http) is not { } username) return NotForLinks();
        if (request.Usernames is not { Count: > 0 and <= NotificationLimits.MaxRecipients } usernames) return Problems.Invalid($"usernames: 1-{NotificationLimits.MaxRecipients}");
        var access = grains.AccessReader();
        if (await access.GetResource(id, username) is null) return Problems.NotFound();
        // Who may read what is the directory's business: partners do not learn it.
        var me = await grains.Organization().GetUser(username);
        if (me is not { Kind: UserKind.Employee, Deactivated: false }) return Problems.Forbidden("mentions are checked for employees only");
        var checks = await Task.WhenAll(usernames.Select(async u =>
        {
            var normalized = ApiExtensions.NormalizeUsername(u);
            var canRead = normalized is not null && (await access.FilterReadable(normalized, [id])).Count == 1;
            return new MentionCheck(u, canRead);
        }));
        return TypedResults.Ok(checks.ToList());
    }

    /// <summary>A grant to one person tells them; groups, departments and the company are not notified person by
    /// person.</summary>
    internal static async Task NotifyShareAsync(IGrainFactory grains, string actor, string resourceId, string username, AccessLevel level) =>
        await grains.GetGrain<INotifierGrain>(INotifierGrain.Key).Notify(
            new NotificationRequest(NotificationKinds.Share, resourceId, actor, null, level.ToWire()), [username]);

    private static string? AccountOf(HttpContext http)
    {
        var username = http.User.Username();
        return Principals.IsLink(username) ? null : username;
    }

    private static ProblemHttpResult NotForLinks() => Problems.Forbidden("notifications are for accounts, not share-link sessions");
}
