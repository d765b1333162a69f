namespace Spotter.Collab.Grains.Assistant;

/// <summary>
/// Passage retrieval for the knowledge assistant: the question's candidate pages from the search index, trimmed to
/// what the principal may read now, their current content split into sections at headings, the sections ranked with
/// BM25 and the extractive answer chosen from the best ones. A stateless worker on the silos; it keeps nothing
/// between calls, so no passage outlives a permission change, a move, a trash or an edit.
/// </summary>
[Alias("spotter.IAssistantRetrievalGrain")]
public interface IAssistantRetrievalGrain : IGrainWithIntegerKey
{
    [Alias("Retrieve")]
    Task<AssistantRetrieval> Retrieve(AssistantQuestion question);

    /// <summary>For each cited section, in input order: whether the principal may still read its page and whether the
    /// page's version or the section's text moved since it was cited.</summary>
    [Alias("CheckCitations")]
    Task<IReadOnlyList<CitationState>> CheckCitations(string principal, IReadOnlyList<AssistantCitation> citations);
}

/// <summary>
/// <see cref="SpaceIds"/>: the spaces to answer from (null: every space the principal may read), already narrowed to
/// the spaces an administrator lets the assistant use. <see cref="PreviousQuestion"/>: the conversation's last
/// question, whose terms a follow-up falls back on when its own words find nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("spotter.assistant.Question")]
public sealed record AssistantQuestion(
    [property: Id(0)] string Principal,
    [property: Id(1)] string Question,
    [property: Id(2)] string? PreviousQuestion,
    [property: Id(3)] IReadOnlyList<string>? SpaceIds);

/// <summary>One section of a page at the version it was read: <see cref="Headings"/> is the heading path from the
/// top of the page (empty for text before the first heading); <see cref="SectionHash"/> identifies its text.</summary>
[GenerateSerializer, Immutable, Alias("spotter.assistant.Passage")]
public sealed record AssistantPassage(
    [property: Id(0)] string PageId,
    [property: Id(1)] string Title,
    [property: Id(2)] string? SpaceId,
    [property: Id(3)] IReadOnlyList<string> Headings,
    [property: Id(4)] string Text,
    [property: Id(5)] float Score,
    [property: Id(6)] double Coverage,
    [property: Id(7)] long Version,
    [property: Id(8)] DateTimeOffset? UpdatedAt,
    [property: Id(9)] string SectionHash);

/// <summary>What a citation points at, as recorded with an answer.</summary>
[GenerateSerializer, Immutable, Alias("spotter.assistant.Citation")]
public sealed record AssistantCitation(
    [property: Id(0)] string PageId,
    [property: Id(1)] string Title,
    [property: Id(2)] IReadOnlyList<string> Headings,
    [property: Id(3)] long Version,
    [property: Id(4)] DateTimeOffset? UpdatedAt,
    [property: Id(5)] string SectionHash,
    [property: Id(6)] string? SpaceId = null)
{
    public static AssistantCitation Of(AssistantPassage passage)
    {
        ArgumentNullException.ThrowIfNull(passage);
        return new(passage.PageId, passage.Title, passage.Headings, passage.Version, passage.UpdatedAt, passage.SectionHash, passage.SpaceId);
    }
}

/// <summary><see cref="Readable"/> false: the principal may no longer read the page (or it is gone or trashed); the
/// other fields are then empty. <see cref="Changed"/>: the page's version moved or the section's text changed.</summary>
[GenerateSerializer, Immutable, Alias("spotter.assistant.CitationState")]
public sealed record CitationState(
    [property: Id(0)] bool Readable,
    [property: Id(1)] bool Changed,
    [property: Id(2)] long CurrentVersion,
    [property: Id(3)] string? Title,
    [property: Id(4)] string? SpaceId);

[GenerateSerializer, Immutable, Alias("spotter.assistant.ClosestPage")]
public sealed record ClosestPage(
    [property: Id(0)] string PageId,
    [property: Id(1)] string Title,
    [property: Id(2)] string? SpaceId);

/// <summary>
/// <see cref="Passages"/>: the best sections found (best first), what a generative answer may be given.
/// <see cref="Found"/>: the best section covers enough of the question's words; then <see cref="Answer"/> is the
/// extractive answer, each part followed by its citation marker <c>[n]</c> into <see cref="Cited"/>. Otherwise
/// <see cref="Closest"/> lists the closest readable pages. <see cref="UsedPreviousQuestion"/>: the question's own
/// words found nothing and the conversation's previous question was added.
/// </summary>
[GenerateSerializer, Immutable, Alias("spotter.assistant.Retrieval")]
public sealed record AssistantRetrieval(
    [property: Id(0)] bool Found,
    [property: Id(1)] string Answer,
    [property: Id(2)] IReadOnlyList<AssistantPassage> Passages,
    [property: Id(3)] IReadOnlyList<AssistantPassage> Cited,
    [property: Id(4)] IReadOnlyList<ClosestPage> Closest,
    [property: Id(5)] bool UsedPreviousQuestion);

/// <summary>One question and its answer in a conversation.</summary>
[GenerateSerializer, Immutable, Alias("spotter.assistant.Turn")]
public sealed record AssistantTurn(
    [property: Id(0)] string Question,
    [property: Id(1)] bool Found,
    [property: Id(2)] string Answer,
    [property: Id(3)] IReadOnlyList<AssistantCitation> Citations,
    [property: Id(4)] bool Generated,
    [property: Id(5)] DateTimeOffset AskedAt,
    [property: Id(6)] bool? Helpful = null);

/// <summary>A conversation with the assistant (key: its id), kept for the principal who started it; anyone else
/// gets null, as for a conversation that does not exist.</summary>
[Alias("spotter.IAssistantConversationGrain")]
public interface IAssistantConversationGrain : IGrainWithStringKey
{
    [Alias("Turns")]
    Task<IReadOnlyList<AssistantTurn>?> Turns(string principal);

    /// <summary>Appends the turn (starting the conversation for <paramref name="principal"/> when it is new);
    /// returns its index, or null when the conversation belongs to someone else.</summary>
    [Alias("Append")]
    Task<int?> Append(string principal, AssistantTurn turn);

    /// <summary>False when the conversation is not the principal's or has no such turn.</summary>
    [Alias("SetFeedback")]
    Task<bool> SetFeedback(string principal, int turn, bool helpful);
}

/// <summary>The assistant's settings (one activation, key <c>default</c>).</summary>
[Alias("spotter.IAssistantSettingsGrain")]
public interface IAssistantSettingsGrain : IGrainWithStringKey
{
    [Alias("Current")]
    Task<AssistantSettings> Current();

    [Alias("Replace")]
    Task Replace(AssistantSettings settings);
}

/// <summary>
/// <see cref="SpaceIds"/>: the spaces the assistant answers from (null: all). <see cref="ChatEndpoint"/> and
/// <see cref="ChatModel"/>: an OpenAI-compatible endpoint for generative answers (null: extractive answers only);
/// <see cref="ChatApiKey"/> is never sent back to clients.
/// </summary>
[GenerateSerializer, Immutable, Alias("spotter.assistant.Settings")]
public sealed record AssistantSettings(
    [property: Id(0)] IReadOnlyList<string>? SpaceIds = null,
    [property: Id(1)] string? ChatEndpoint = null,
    [property: Id(2)] string? ChatModel = null,
    [property: Id(3)] string? ChatApiKey = null)
{
    public bool Generative => ChatEndpoint is not null && ChatModel is not null;
}
