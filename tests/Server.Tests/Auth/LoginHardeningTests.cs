using System.Net;
using System.Net.Http.Json;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Auth;

/// <summary>Lockout after 3 failures within a minute, for 4 seconds, so expiry is testable quickly; hosts ask the user
/// grain about every access token's session (no caching), so revocations show at once.</summary>
public sealed class LockoutServerFixture : AuthServerFixtureBase
{
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromSeconds(4);

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Auth:Lockout:MaxFailures"] = "3",
        ["Auth:Lockout:Window"] = "00:01:00",
        ["Auth:Lockout:Duration"] = LockoutDuration.ToString("c"),
        ["Auth:SessionCheckInterval"] = "00:00:00",
    };
}

/// <summary>The test classes that share one <see cref="LockoutServerFixture"/> server (each uses its own accounts).</summary>
[CollectionDefinition(Name)]
public sealed class LockoutServerGroup : ICollectionFixture<LockoutServerFixture>
{
    public const string Name = "auth server with fast lockout";
}

[Collection(LockoutServerGroup.Name)]
public sealed class LoginHardeningTests(LockoutServerFixture fixture)
{
    private CollabTestServer Server => fixture.Server;

    [Fact]
    public async Task Login_answers_access_and_refresh_tokens_and_keeps_the_old_token_field()
    {
        var username = await Server.NewAccountAsync("shape");
        var tokens = await Server.SignInAsync(username);

        Assert.Equal(tokens.AccessToken, tokens.Token);
        Assert.Equal(15 * 60, tokens.ExpiresIn);
        Assert.False(string.IsNullOrEmpty(tokens.RefreshToken));
        Assert.NotEqual(tokens.AccessToken, tokens.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, await Server.MeStatusAsync(tokens.AccessToken));
        // The refresh token is not an access token.
        Assert.Equal(HttpStatusCode.Unauthorized, await Server.MeStatusAsync(tokens.RefreshToken));
    }

    [Fact]
    public async Task Unknown_user_and_wrong_password_get_the_same_answer()
    {
        var username = await Server.NewAccountAsync("same");
        var wrongPassword = await AuthTestHelpers.AnswerAsync(await Server.PostLoginAsync(username, "not-the-password"));
        var unknownUser = await AuthTestHelpers.AnswerAsync(await Server.PostLoginAsync(AuthTestHelpers.NewName("ghost"), "not-the-password"));

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.Status);
        Assert.Equal("urn:spotter-collab:problem:invalid-credentials", wrongPassword.Type);
        Assert.Equal(wrongPassword, unknownUser);
    }

    [Fact]
    public async Task Repeated_failures_lock_the_account_even_for_the_right_password_until_the_lockout_ends()
    {
        var username = await Server.NewAccountAsync("lock");
        var answers = new List<Answer>();
        for (var i = 0; i < 3; i++) answers.Add(await AuthTestHelpers.AnswerAsync(await Server.PostLoginAsync(username, $"wrong-{i}")));
        var lockedAt = DateTime.UtcNow;

        Assert.Equal(HttpStatusCode.Unauthorized, answers[0].Status);
        Assert.Equal(HttpStatusCode.Unauthorized, answers[1].Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[2].Status);
        Assert.Equal("urn:spotter-collab:problem:locked-out", answers[2].Type);
        Assert.True(answers[2].HasRetryAfter);
        var locked = await AuthTestHelpers.AnswerAsync(await Server.PostLoginAsync(username, CollabTestServer.UserPassword));
        Assert.Equal(answers[2], locked);

        var rest = lockedAt + LockoutServerFixture.LockoutDuration + TimeSpan.FromMilliseconds(300) - DateTime.UtcNow;
        if (rest > TimeSpan.Zero) await Task.Delay(rest);
        var tokens = await Server.SignInAsync(username);
        Assert.Equal(HttpStatusCode.OK, await Server.MeStatusAsync(tokens.AccessToken));
    }

    [Fact]
    public async Task Unknown_usernames_lock_out_exactly_like_real_accounts()
    {
        var real = await Server.NewAccountAsync("real");
        var ghost = AuthTestHelpers.NewName("ghost");
        async Task<List<Answer>> FourAttemptsAsync(string username)
        {
            var answers = new List<Answer>();
            for (var i = 0; i < 4; i++) answers.Add(await AuthTestHelpers.AnswerAsync(await Server.PostLoginAsync(username, $"wrong-{i}")));
            return answers;
        }

        var realAnswers = await FourAttemptsAsync(real);
        var ghostAnswers = await FourAttemptsAsync(ghost);

        Assert.Equal(realAnswers, ghostAnswers);
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests],
            ghostAnswers.Select(a => a.Status));
    }

    [Fact]
    public async Task A_successful_login_clears_earlier_failures()
    {
        var username = await Server.NewAccountAsync("clear");
        for (var i = 0; i < 2; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostLoginAsync(username, "wrong")).StatusCode);
        await Server.SignInAsync(username);
        for (var i = 0; i < 2; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostLoginAsync(username, "wrong")).StatusCode);
        await Server.SignInAsync(username);
    }

    [Fact]
    public async Task Logins_failures_and_lockouts_are_audited_with_the_attempted_username_and_source_address()
    {
        var username = await Server.NewAccountAsync("audit");
        await Server.SignInAsync(username);
        for (var i = 0; i < 3; i++) await Server.PostLoginAsync(username, "wrong");
        await Server.PostLoginAsync(username, CollabTestServer.UserPassword);
        var ghost = AuthTestHelpers.NewName("ghost");
        await Server.PostLoginAsync(ghost, "wrong");

        var entries = (await Server.AuditAsync(username)).Where(e => e.Action.StartsWith("auth.", StringComparison.Ordinal)).Reverse().ToList();
        Assert.Equal(
            [AuditActions.Login, AuditActions.LoginFailed, AuditActions.LoginFailed, AuditActions.LoginFailed, AuditActions.LockedOut, AuditActions.LockedOut],
            entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal("127.0.0.1", e.SourceAddress));
        Assert.Equal(username, entries[0].Actor);
        Assert.All(entries.Skip(1), e => Assert.Equal("anonymous", e.Actor));
        Assert.Equal("wrong password", entries[1].Detail);
        Assert.StartsWith("attempt while locked", entries[5].Detail, StringComparison.Ordinal);

        var ghostEntry = Assert.Single(await Server.AuditAsync(ghost));
        Assert.Equal(AuditActions.LoginFailed, ghostEntry.Action);
        Assert.Equal("unknown user", ghostEntry.Detail);
        Assert.Equal("127.0.0.1", ghostEntry.SourceAddress);
    }

    [Fact]
    public async Task Malformed_logins_are_invalid_credentials()
    {
        var answer = await AuthTestHelpers.AnswerAsync(await Server.Http.PostAsJsonAsync("/api/auth/login", new { username = "No Such User!", password = "x" }));
        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Equal("urn:spotter-collab:problem:invalid-credentials", answer.Type);
        var empty = await AuthTestHelpers.AnswerAsync(await Server.Http.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = "" }));
        Assert.Equal(answer, empty);
    }
}
