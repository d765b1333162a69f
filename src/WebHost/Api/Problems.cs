using Microsoft.AspNetCore.Http.HttpResults;

namespace Spotter.Collab.WebHost.Api;

/// <summary>Typed problem-details responses: <c>type</c> is <c>urn:spotter-collab:problem:&lt;code&gt;</c>.</summary>
public static class Problems
{
    public static ProblemHttpResult Of(int status, string code, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: code, type: $"urn:spotter-collab:problem:{code}");

    public static ProblemHttpResult NotFound() => Of(StatusCodes.Status404NotFound, "not-found", "no such document, or it is not shared with you");
    public static ProblemHttpResult Forbidden(string detail) => Of(StatusCodes.Status403Forbidden, "forbidden", detail);
    public static ProblemHttpResult Invalid(string detail) => Of(StatusCodes.Status400BadRequest, "invalid", detail);
}
