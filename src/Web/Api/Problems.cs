using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Spotter.Collab.WebHost.Api;

/// <summary>Typed problem-details responses: <c>type</c> is <c>urn:spotter-collab:problem:&lt;code&gt;</c>.</summary>
public static class Problems
{
    public static ProblemHttpResult Of(int status, string code, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: code, type: $"urn:spotter-collab:problem:{code}");

    public static ProblemHttpResult NotFound() => Of(StatusCodes.Status404NotFound, "not-found", "no such document, or it is not shared with you");
    public static ProblemHttpResult Forbidden(string detail) => Of(StatusCodes.Status403Forbidden, "forbidden", detail);
    public static ProblemHttpResult Invalid(string detail) => Of(StatusCodes.Status400BadRequest, "invalid", detail);
    public static ProblemHttpResult Conflict(string code, string detail) => Of(StatusCodes.Status409Conflict, code, detail);

    /// <summary>
    /// Declares the problem answers an endpoint (or every endpoint of a group) may give, as
    /// <c>application/problem+json</c> with the <see cref="ProblemDetails"/> schema. A
    /// <see cref="ProblemHttpResult"/> carries its status only at run time, so the OpenAPI document learns them here.
    /// </summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), ["application/problem+json"]));
        }
        return builder;
    }
}
