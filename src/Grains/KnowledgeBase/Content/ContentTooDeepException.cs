using Spotter.Collab.Crdt;

namespace Spotter.Collab.Grains.KnowledgeBase.Content;

/// <summary>
/// Content (an imported Markdown text, a node tree to write) nests deeper than a document may hold
/// (<see cref="UpdateLimits.DefaultMaxNestingDepth"/>). Nothing was changed; the API answers it as malformed input.
/// </summary>
public sealed class ContentTooDeepException : Exception
{
    public ContentTooDeepException()
        : this($"content nests deeper than {UpdateLimits.DefaultMaxNestingDepth} levels")
    {
    }

    public ContentTooDeepException(string message) : base(message)
    {
    }

    public ContentTooDeepException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
