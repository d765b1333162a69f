using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Users;

namespace Spotter.Collab.Server.Tests.Auth;

/// <summary>The user grain's rules without Orleans: hashing upgrades, lockout windows, session lifetimes.</summary>
public sealed class AccountRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
    private const int CheapIterations = PasswordHasher.MinimumIterations;

    private static UserAccountOptions Options(int iterations = CheapIterations) => new()
    {
        PasswordIterations = iterations,
        Lockout = new LockoutOptions { MaxFailures = 3, Window = TimeSpan.FromMinutes(15), Duration = TimeSpan.FromMinutes(15) },
        Sessions = new SessionOptions { AbsoluteLifetime = TimeSpan.FromDays(30), IdleTimeout = TimeSpan.FromDays(7), MaxPerUser = 3, RotatedTokensKept = 2 },
    };

    [Fact]
    public void The_default_iteration_count_is_a_modern_one()
    {
        Assert.True(PasswordHasher.DefaultIterations >= 600_000);
        Assert.Equal(PasswordHasher.DefaultIterations, new UserAccountOptions().PasswordIterations);
        Assert.Throws<ArgumentOutOfRangeException>(() => PasswordHasher.Hash("pw", 1000));
    }

    [Fact]
    public void A_successful_login_upgrades_a_weaker_hash_and_the_password_still_works()
    {
        var account = new UserRecord { Password = PasswordHasher.Hash("secret-pw", CheapIterations) };
        var stronger = Options(CheapIterations * 2);

        var result = LoginRules.Check(account, account.Throttle, "127.0.0.1", "secret-pw", stronger, T0, "a", out var changed);

        Assert.Equal(LoginOutcome.Succeeded, result.Outcome);
        Assert.True(changed);
        Assert.Equal(CheapIterations * 2, account.Password!.Iterations);
        Assert.True(PasswordHasher.Verify("secret-pw", account.Password));
        // Already strong enough: nothing to store.
        LoginRules.Check(account, account.Throttle, "127.0.0.1", "secret-pw", stronger, T0, "a", out var again);
        Assert.False(again);
    }

    [Fact]
    public void A_failed_login_never_rehashes()
    {
        var original = PasswordHasher.Hash("secret-pw", CheapIterations);
        var account = new UserRecord { Password = original };
        var result = LoginRules.Check(account, account.Throttle, "127.0.0.1", "wrong", Options(CheapIterations * 2), T0, "a", out _);
        Assert.Equal(LoginOutcome.InvalidCredentials, result.Outcome);
        Assert.Same(original, account.Password);
    }

    [Fact]
    public void Lockout_counts_failures_within_the_window_only_and_ends_after_its_duration()
    {
        var options = Options();
        var account = new UserRecord { Password = PasswordHasher.Hash("secret-pw", CheapIterations) };
        LoginResult Try(string password, DateTimeOffset at) => LoginRules.Check(account, account.Throttle, "127.0.0.1", password, options, at, "a", out _);

        Assert.Equal(LoginOutcome.InvalidCredentials, Try("x", T0).Outcome);
        Assert.Equal(LoginOutcome.InvalidCredentials, Try("x", T0.AddMinutes(1)).Outcome);
        // The first failure has left the window: still two in it.
        Assert.Equal(LoginOutcome.InvalidCredentials, Try("x", T0.AddMinutes(15)).Outcome);
        var locking = Try("x", T0.AddMinutes(15.5));
        Assert.Equal(LoginOutcome.LockedOut, locking.Outcome);
        Assert.True(locking.LockedNow);
        Assert.Equal(T0.AddMinutes(30.5), locking.LockedUntil);

        var whileLocked = Try("secret-pw", T0.AddMinutes(30));
        Assert.Equal(LoginOutcome.LockedOut, whileLocked.Outcome);
        Assert.False(whileLocked.LockedNow);
        Assert.Equal(LoginOutcome.Succeeded, Try("secret-pw", T0.AddMinutes(30.5)).Outcome);
        Assert.Empty(account.Throttle.BySource);
    }

    [Fact]
    public void Unknown_users_fail_and_lock_like_real_ones()
    {
        var options = Options();
        var account = new UserRecord { Password = PasswordHasher.Hash("secret-pw", CheapIterations) };
        var ghost = new LoginThrottle();
        for (var i = 0; i < 4; i++)
        {
            var real = LoginRules.Check(account, account.Throttle, "127.0.0.1", "x", options, T0, "a", out _);
            var unknown = LoginRules.Check(null, ghost, "127.0.0.1", "x", options, T0, "ghost", out var changed);
            Assert.Equal(real with { AccountExists = false }, unknown);
            Assert.Equal(i < 3, changed); // once locked, nothing more is counted
        }
    }

    [Fact]
    public void Lockout_can_be_turned_off()
    {
        var options = Options();
        options.Lockout.MaxFailures = 0;
        var throttle = new LoginThrottle();
        for (var i = 0; i < 20; i++) Assert.Null(throttle.RecordFailure("127.0.0.1", options.Lockout, T0));
        Assert.False(throttle.IsLocked("127.0.0.1", T0, out _));
    }

    private static (string SessionId, string Secret) Parse(IssuedSession issued)
    {
        Assert.True(RefreshTokenFormat.TryParse(issued.RefreshToken, out var username, out var sessionId, out var secret));
        Assert.Equal("alice", username);
        Assert.Equal(issued.SessionId, sessionId);
        return (sessionId, secret);
    }

    [Fact]
    public void Rotation_keeps_hashes_only_and_recognises_rotated_tokens_within_the_kept_window()
    {
        var list = new List<RefreshSession>();
        var sessions = new RefreshSessions(list, Options().Sessions, "alice");
        var first = sessions.Open(T0);
        var (id, secret1) = Parse(first);
        Assert.DoesNotContain(list, s => s.CurrentHash.AsSpan().SequenceEqual(System.Text.Encoding.UTF8.GetBytes(secret1)));

        var (session, match) = sessions.Find(id, secret1, T0);
        Assert.Equal(RefreshSessions.Match.Current, match);
        var (_, secret2) = Parse(sessions.Rotate(session!, T0));
        var (_, secret3) = Parse(sessions.Rotate(session!, T0));
        var (_, secret4) = Parse(sessions.Rotate(session!, T0));

        Assert.Equal(RefreshSessions.Match.Current, sessions.Find(id, secret4, T0).Match);
        Assert.Equal(RefreshSessions.Match.Rotated, sessions.Find(id, secret3, T0).Match);
        Assert.Equal(RefreshSessions.Match.Rotated, sessions.Find(id, secret2, T0).Match);
        // Only the last two rotated hashes are kept: the oldest is just unknown now.
        Assert.Equal(RefreshSessions.Match.None, sessions.Find(id, secret1, T0).Match);
        Assert.Equal(RefreshSessions.Match.None, sessions.Find(id, "made-up", T0).Match);
    }

    [Fact]
    public void Sessions_end_when_idle_too_long_or_past_their_absolute_lifetime()
    {
        var options = Options().Sessions;
        var list = new List<RefreshSession>();
        var sessions = new RefreshSessions(list, options, "alice");
        var idle = sessions.Open(T0);
        Assert.Equal(T0 + options.IdleTimeout, idle.ExpiresAt);
        Assert.True(sessions.IsLive(idle.SessionId, T0.AddDays(6)));
        Assert.False(sessions.IsLive(idle.SessionId, T0.AddDays(7)));

        // Refreshed every 6 days, a session still ends 30 days after its login.
        var busy = sessions.Open(T0);
        var (id, secret) = Parse(busy);
        var at = T0;
        IssuedSession last = busy;
        for (var day = 6; day < 30; day += 6)
        {
            at = T0.AddDays(day);
            var (session, match) = sessions.Find(id, secret, at);
            Assert.Equal(RefreshSessions.Match.Current, match);
            last = sessions.Rotate(session!, at);
            secret = Parse(last).Secret;
        }
        Assert.Equal(T0.AddDays(30), last.ExpiresAt);
        Assert.True(sessions.IsLive(id, T0.AddDays(30).AddSeconds(-1)));
        Assert.Equal(RefreshSessions.Match.None, sessions.Find(id, secret, T0.AddDays(30)).Match);
        Assert.Empty(list);
    }

    [Fact]
    public void A_login_beyond_the_session_limit_ends_the_least_recently_used_session()
    {
        var list = new List<RefreshSession>();
        var sessions = new RefreshSessions(list, Options().Sessions, "alice");
        var oldest = sessions.Open(T0);
        var middle = sessions.Open(T0.AddMinutes(1));
        var newest = sessions.Open(T0.AddMinutes(2));
        // Using the oldest makes the middle one the least recently used.
        var (id, secret) = Parse(oldest);
        sessions.Rotate(sessions.Find(id, secret, T0.AddMinutes(3)).Session!, T0.AddMinutes(3));

        sessions.Open(T0.AddMinutes(4));

        Assert.Equal(3, list.Count);
        Assert.False(sessions.IsLive(middle.SessionId, T0.AddMinutes(4)));
        Assert.True(sessions.IsLive(oldest.SessionId, T0.AddMinutes(4)));
        Assert.True(sessions.IsLive(newest.SessionId, T0.AddMinutes(4)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("!!.sid.secret")]
    [InlineData(".sid.secret")]
    [InlineData("YWxpY2U..secret")]
    public void Malformed_refresh_tokens_do_not_parse(string token)
    {
        Assert.False(RefreshTokenFormat.TryParse(token, out _, out _, out _));
    }

    [Fact]
    public void Refresh_tokens_round_trip_usernames_with_dots()
    {
        var token = RefreshTokenFormat.Format("a.b-c_d", "sid", "secret");
        Assert.True(RefreshTokenFormat.TryParse(token, out var username, out var sessionId, out var secret));
        Assert.Equal(("a.b-c_d", "sid", "secret"), (username, sessionId, secret));
        Assert.False(RefreshTokenFormat.TryParse(new string('a', 600), out _, out _, out _));
    }
}
