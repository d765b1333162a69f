using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains.Assistant;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.WebHost.Assistant;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record AskRequest(string? Question, IReadOnlyList<string>? SpaceIds, string? ConversationId);

/// <summary>A cited page section: <see cref="Heading"/> is the heading path joined with " › " (empty before the
/// first heading); <see cref="Version"/> is the page's version when it was read, <see cref="UpdatedAt"/> when its
/// text was last indexed.</summary>
public sealed record AssistantCitationResponse(int Number, string PageId, string Title, string? SpaceId, string Heading, IReadOnlyList<string> Headings, long Version, DateTimeOffset? UpdatedAt);

public sealed record ClosestPageResponse(string PageId, string Title, string? SpaceId);

/// <summary><see cref="Found"/> false: nothing the caller may read answers the question; <see cref="Answer"/> says
/// so and <see cref="Closest"/> lists the closest readable pages. <see cref="FollowUp"/>: the previous question's
/// words were needed to answer.</summary>
public sealed record AskResponse(bool Found, string Answer, IReadOnlyList<AssistantCitationResponse> Citations, string ConversationId, int Turn,
    bool Generated, bool FollowUp, IReadOnlyList<ClosestPageResponse> Closest);

/// <summary><see cref="SourceChanged"/>: the page's version moved (or the section changed) since it was cited.</summary>
public sealed record ConversationCitationResponse(int Number, string PageId, string Title, string? SpaceId, string Heading, IReadOnlyList<string> Headings, long Version,
    DateTimeOffset? UpdatedAt, bool SourceChanged, long CurrentVersion);

/// <summary><see cref="Withheld"/>: a page this answer cited is no longer readable by the caller, so the answer and
/// its citations are not shown again.</summary>
public sealed record ConversationTurnResponse(int Turn, string Question, bool Found, string Answer, bool Generated, bool Withheld, DateTimeOffset AskedAt,
    bool? Helpful, IReadOnlyList<ConversationCitationResponse> Citations);

public sealed record ConversationResponse(string ConversationId, IReadOnlyList<ConversationTurnResponse> Turns);

public sealed record AssistantFeedbackRequest(bool? Helpful);

/// <summary><see cref="SpaceIds"/> null: every space. <see cref="ChatApiKey"/> in a request: null keeps the stored
/// key, empty removes it.</summary>
public sealed record AssistantSettingsRequest(IReadOnlyList<string>? SpaceIds, string? ChatEndpoint, string? ChatModel, string? ChatApiKey);

public sealed record AssistantSettingsResponse(IReadOnlyList<string>? SpaceIds, string? ChatEndpoint, string? ChatModel, bool HasChatApiKey);

public sealed record UnansweredQuestion(string Question, string Asker, DateTimeOffset AskedAt);

/// <summary>
/// The knowledge assistant: answers from the wiki pages the caller may read now, with citations to page sections.
/// Retrieval and the extractive answer are in <see cref="IAssistantRetrievalGrain"/>; a generated answer
/// (<see cref="AssistantChat"/>) sees only the passages retrieval gave. Every question is audited with the passages
/// retrieved and the citations returned.
/// </summary>
public static class AssistantApi
{
    private const int MaxQuestion = 500;
    private const int MaxSpaces = 100;
    private const int MaxAuditDetail = 3500;

    public static IEndpointRouteBuilder MapAssistantApi(this IEndpointRouteBuilder app)
    {
        var assistant = app.MapGroup("/api/assistant").RequireAuthorization().WithTags("Assistant")
            .ProducesProblems(StatusCodes.Status401Unauthorized);
        assistant.MapPost("/ask", AskAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        assistant.MapGet("/conversations/{id}", ConversationAsync).ProducesProblems(StatusCodes.Status404NotFound);
        assistant.MapPost("/conversations/{id}/turns/{turn:int}/feedback", FeedbackAsync)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        var admin = app.MapGroup("/api/admin/assistant").RequireAuthorization(AuthExtensions.AdminPolicy).WithTags("Admin")
            .ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden);
        admin.MapGet("/", async (IGrainFactory grains) => TypedResults.Ok(ToResponse(await Settings(grains).Current())));
        admin.MapPut("/", SetSettingsAsync).ProducesProblems(StatusCodes.Status400BadRequest);
        admin.MapGet("/unanswered", UnansweredAsync);
        return app;
    }

    private static IAssistantSettingsGrain Settings(IGrainFactory grains) => grains.GetGrain<IAssistantSettingsGrain>("default");

    private static async Task<Results<Ok<AskResponse>, ProblemHttpResult>> AskAsync(AskRequest request, HttpContext http, IGrainFactory grains,
        AssistantChat chat, AuditRecorder audit, TimeProvider time)
    {
        var question = request.Question?.Trim();
        if (string.IsNullOrEmpty(question) || question.Length > MaxQuestion) return Problems.Invalid($"question: 1-{MaxQuestion} characters");
        if (request.SpaceIds is { } requested && (requested.Count > MaxSpaces || requested.Any(string.IsNullOrWhiteSpace)))
        {
            return Problems.Invalid($"spaceIds: at most {MaxSpaces} space ids");
        }
        var principal = http.User.Username();
        var conversationId = request.ConversationId ?? Guid.NewGuid().ToString("N");
        var conversation = grains.GetGrain<IAssistantConversationGrain>(conversationId);
        string? previous = null;
        if (request.ConversationId is not null)
        {
            if (await conversation.Turns(principal) is not { } turns) return Problems.Of(StatusCodes.Status404NotFound, "not-found", "no such conversation");
            previous = turns.Count > 0 ? turns[^1].Question : null;
        }
        var settings = await Settings(grains).Current();
        var spaces = Spaces(settings.SpaceIds, request.SpaceIds);
        var retrieval = await grains.GetGrain<IAssistantRetrievalGrain>(0).Retrieve(new AssistantQuestion(principal, question, previous, spaces));

        var answer = retrieval.Answer;
        var cited = retrieval.Cited;
        var generated = false;
        if (retrieval.Found && await chat.AnswerAsync(settings, question, retrieval.Passages, http.RequestAborted) is { } generation)
        {
            (answer, cited, generated) = (generation.Answer, generation.Cited, true);
        }
        if (!retrieval.Found) answer = NotFound(question);
        var citations = cited.Select(AssistantCitation.Of).ToList();
        var turn = await conversation.Append(principal, new AssistantTurn(question, retrieval.Found, answer, citations, generated, time.GetUtcNow()))
            ?? throw new InvalidOperationException("the conversation belongs to someone else");

        await audit.RecordAsync(http, AuditActions.AssistantAsked, conversationId, AuditDetail(question, retrieval, citations, generated));
        if (!retrieval.Found) await audit.RecordAsync(http, AuditActions.AssistantUnanswered, conversationId, question);
        return TypedResults.Ok(new AskResponse(retrieval.Found, answer, citations.Select(ToResponse).ToList(), conversationId, turn, generated,
            retrieval.UsedPreviousQuestion, retrieval.Closest.Select(p => new ClosestPageResponse(p.PageId, p.Title, p.SpaceId)).ToList()));
    }

    /// <summary>The spaces to answer from: those the administrators allow, narrowed to those asked for.</summary>
    private static List<string>? Spaces(IReadOnlyList<string>? allowed, IReadOnlyList<string>? requested)
    {
        if (allowed is null) return requested?.Distinct(StringComparer.Ordinal).ToList();
        if (requested is null) return allowed.ToList();
        return allowed.Intersect(requested, StringComparer.Ordinal).ToList();
    }

    private static string NotFound(string question) => AssistantTextLanguage.IsChinese(question)
        ? "在你可以阅读的页面中没有找到这个问题的答案。下面是最接近的页面。"
        : "I could not find an answer to that in the pages you can read. These are the closest pages.";

    private static string AuditDetail(string question, AssistantRetrieval retrieval, IReadOnlyList<AssistantCitation> citations, bool generated)
    {
        static string Section(string pageId, IReadOnlyList<string> headings, long version) =>
            $"{pageId}#{string.Join(" › ", headings)}@{version.ToString(CultureInfo.InvariantCulture)}";
        var detail = new StringBuilder();
        detail.Append("found=").Append(retrieval.Found ? "true" : "false").Append("; generated=").Append(generated ? "true" : "false");
        detail.Append("; passages=").AppendJoin(", ", retrieval.Passages.Select(p => Section(p.PageId, p.Headings, p.Version)));
        detail.Append("; citations=").AppendJoin(", ", citations.Select(c => Section(c.PageId, c.Headings, c.Version)));
        detail.Append("; question=").Append(question);
        return detail.Length <= MaxAuditDetail ? detail.ToString() : detail.ToString(0, MaxAuditDetail);
    }

    private static async Task<Results<Ok<ConversationResponse>, ProblemHttpResult>> ConversationAsync(string id, HttpContext http, IGrainFactory grains)
    {
        var principal = http.User.Username();
        if (await grains.GetGrain<IAssistantConversationGrain>(id).Turns(principal) is not { } turns)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "not-found", "no such conversation");
        }
        // Every citation is checked now: an answer whose source the caller may no longer read is withheld.
        var all = turns.SelectMany(t => t.Citations).ToList();
        var states = all.Count == 0 ? [] : await grains.GetGrain<IAssistantRetrievalGrain>(0).CheckCitations(principal, all);
        var at = 0;
        var result = new List<ConversationTurnResponse>(turns.Count);
        for (var i = 0; i < turns.Count; i++)
        {
            var turn = turns[i];
            var turnStates = states.Skip(at).Take(turn.Citations.Count).ToList();
            at += turn.Citations.Count;
            var withheld = turnStates.Any(s => !s.Readable);
            var citations = withheld ? [] : turn.Citations.Select((c, n) => new ConversationCitationResponse(n + 1, c.PageId, turnStates[n].Title ?? c.Title, turnStates[n].SpaceId,
                string.Join(" › ", c.Headings), c.Headings, c.Version, c.UpdatedAt, turnStates[n].Changed, turnStates[n].CurrentVersion)).ToList();
            result.Add(new ConversationTurnResponse(i, turn.Question, turn.Found, withheld ? "" : turn.Answer, turn.Generated, withheld, turn.AskedAt, turn.Helpful, citations));
        }
        return TypedResults.Ok(new ConversationResponse(id, result));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> FeedbackAsync(string id, int turn, AssistantFeedbackRequest request, HttpContext http,
        IGrainFactory grains, AuditRecorder audit)
    {
        if (request.Helpful is not { } helpful) return Problems.Invalid("helpful: true or false");
        if (!await grains.GetGrain<IAssistantConversationGrain>(id).SetFeedback(http.User.Username(), turn, helpful))
        {
            return Problems.Of(StatusCodes.Status404NotFound, "not-found", "no such conversation or turn");
        }
        await audit.RecordAsync(http, AuditActions.AssistantFeedback, id, $"turn={turn.ToString(CultureInfo.InvariantCulture)}; helpful={(helpful ? "true" : "false")}");
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AssistantSettingsResponse>, ProblemHttpResult>> SetSettingsAsync(AssistantSettingsRequest request, HttpContext http,
        IGrainFactory grains, AuditRecorder audit)
    {
        if (request.SpaceIds is { } spaces && (spaces.Count > 1000 || spaces.Any(string.IsNullOrWhiteSpace))) return Problems.Invalid("spaceIds: at most 1000 space ids");
        var endpoint = string.IsNullOrWhiteSpace(request.ChatEndpoint) ? null : request.ChatEndpoint.Trim();
        var model = string.IsNullOrWhiteSpace(request.ChatModel) ? null : request.ChatModel.Trim();
        if ((endpoint is null) != (model is null)) return Problems.Invalid("chatEndpoint and chatModel: both or neither");
        if (endpoint is not null && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            return Problems.Invalid("chatEndpoint: an absolute http(s) URL");
        }
        var current = await Settings(grains).Current();
        var key = request.ChatApiKey switch { null => current.ChatApiKey, "" => null, var set => set };
        var settings = new AssistantSettings(request.SpaceIds?.Distinct(StringComparer.Ordinal).ToList(), endpoint, model, endpoint is null ? null : key);
        await Settings(grains).Replace(settings);
        await audit.RecordAsync(http, AuditActions.AssistantSettingsChanged, "assistant",
            $"spaces={(settings.SpaceIds is null ? "all" : string.Join(",", settings.SpaceIds))}; endpoint={endpoint ?? "none"}; model={model ?? "none"}");
        return TypedResults.Ok(ToResponse(settings));
    }

    private static async Task<Ok<List<UnansweredQuestion>>> UnansweredAsync(int? limit, IAuditLog log)
    {
        var entries = await log.QueryAsync(new AuditQuery(Action: AuditActions.AssistantUnanswered, Limit: AuditValidation.ClampLimit(limit ?? 100)));
        return TypedResults.Ok(entries.Select(e => new UnansweredQuestion(e.Detail ?? "", e.Actor, e.Time)).ToList());
    }

    private static AssistantSettingsResponse ToResponse(AssistantSettings settings) =>
        new(settings.SpaceIds, settings.ChatEndpoint, settings.ChatModel, settings.ChatApiKey is not null);

    private static AssistantCitationResponse ToResponse(AssistantCitation citation, int index) =>
        new(index + 1, citation.PageId, citation.Title, citation.SpaceId, string.Join(" › ", citation.Headings), citation.Headings, citation.Version, citation.UpdatedAt);
}

internal static class AssistantTextLanguage
{
    public static bool IsChinese(string text) => text.Any(c => c is >= '\u3400' and <= '\u9FFF');
}
