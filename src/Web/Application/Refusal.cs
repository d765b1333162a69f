using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.WebHost.Api;

namespace Spotter.Collab.WebHost.Application;

/// <summary>Why an application service did not do what it was asked: the HTTP status and problem code the endpoint
/// answers with (docs/protocol.md lists the codes).</summary>
public sealed record Refusal(int Status, string Code, string Detail)
{
    /// <summary>Missing and not visible to the caller are one answer.</summary>
    public static Refusal NotFound { get; } = new(StatusCodes.Status404NotFound, "not-found", "no such document, or it is not shared with you");

    public static Refusal ReadOnly(string detail) => new(StatusCodes.Status403Forbidden, RejectCodes.ReadOnly, detail);

    /// <summary>A frame or content change the document refused.</summary>
    public static Refusal Of(FrameResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.RejectCode switch
        {
            RejectCodes.Forbidden => NotFound,
            RejectCodes.ReadOnly => ReadOnly(result.RejectDetail ?? "read-only"),
            _ => new(StatusCodes.Status400BadRequest, result.RejectCode!, result.RejectDetail ?? result.RejectCode!),
        };
    }

    /// <summary>A problem answer made elsewhere (its title is the problem code, see <see cref="Problems.Of"/>).</summary>
    public static Refusal From(ProblemHttpResult problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return new(problem.StatusCode, problem.ProblemDetails.Title ?? "invalid", problem.ProblemDetails.Detail ?? "") { Problem = problem };
    }

    /// <summary>The answer as it was made, with its extensions (e.g. a weak password's <c>reason</c>), when the refusal came from one.</summary>
    private ProblemHttpResult? Problem { get; init; }

    public ProblemHttpResult ToProblem() => Problem ?? Problems.Of(Status, Code, Detail);
}
