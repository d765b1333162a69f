using System.Collections.Frozen;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Spotter.Collab.WebHost.Api;

namespace Spotter.Collab.WebHost.Auth;

/// <summary>
/// What a new password must be (account creation, change, reset): at least <see cref="TokenOptions.MinPasswordLength"/>
/// characters, at most <see cref="MaxLength"/>, not one of the shipped common passwords (case-insensitive) and not the
/// username. A refusal is a 400 <c>weak-password</c> problem whose <c>reason</c> says which rule failed.
/// </summary>
public sealed class PasswordPolicy(IOptions<TokenOptions> options)
{
    public const string ResourceName = "Spotter.Collab.WebHost.Auth.common-passwords.txt";

    /// <summary>Hashing cost grows with length; nobody types more.</summary>
    public const int MaxLength = 256;

    private static readonly Lazy<FrozenSet<string>> Common = new(LoadCommon);

    public int MinLength => Math.Max(1, options.Value.MinPasswordLength);

    /// <summary>Null if the password is acceptable, else the problem to answer.</summary>
    public ProblemHttpResult? Check(string? password, string? username = null)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinLength)
        {
            return Weak("too-short", $"password: at least {MinLength} characters");
        }
        if (password.Length > MaxLength) return Weak("too-long", $"password: at most {MaxLength} characters");
        if (Common.Value.Contains(password.ToLowerInvariant())) return Weak("common", "password: this is one of the most common passwords; choose another");
        if (username is not null && string.Equals(password, username, StringComparison.OrdinalIgnoreCase))
        {
            return Weak("username", "password: must not be the username");
        }
        return null;
    }

    /// <summary>Whether the shipped list holds the password (for tests and diagnostics).</summary>
    public static bool IsCommon(string password) => Common.Value.Contains(password.ToLowerInvariant());

    private static ProblemHttpResult Weak(string reason, string detail) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            type: "urn:spotter-collab:problem:weak-password",
            title: "weak-password",
            detail: detail,
            extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["reason"] = reason });

    private static FrozenSet<string> LoadCommon()
    {
        using var stream = typeof(PasswordPolicy).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        var words = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#') words.Add(line.Trim().ToLowerInvariant());
        }
        return words.ToFrozenSet(StringComparer.Ordinal);
    }
}
