using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Spotter.Collab.Grains.Access;

namespace Spotter.Collab.Grains.Users;

[GenerateSerializer, Alias("spotter.UserRecord")]
public sealed class UserRecord
{
    [Id(1)] public PasswordHash? Password { get; set; }
    [Id(3)] public DateTimeOffset CreatedAt { get; set; }
    [Id(4)] public LoginThrottle Throttle { get; set; } = new();
    [Id(5)] public List<RefreshSession> Sessions { get; set; } = [];
    /// <summary>The password was generated for the account (first start); cleared by the owner's change.</summary>
    [Id(6)] public bool PasswordChangeRequired { get; set; }
}

/// <summary>One account, keyed by username: credentials, lockout and refresh-token sessions (the person's name and
/// role are the organisation directory's). The password hash and
/// token hashes never leave the grain. An activation for a username without an account still answers logins (always
/// wrongly, at the same cost) and locks out like a real account, but keeps that state in memory only.</summary>
public sealed class UserGrain(
    [PersistentState("user")] IPersistentState<UserRecord> user,
    IOptions<UserAccountOptions> options,
    TimeProvider time) : Grain, IUserGrain
{
    private readonly UserAccountOptions _options = options.Value;
    private LoginThrottle? _unknownUserThrottle;

    private bool Exists => user.RecordExists && user.State.Password is not null;

    private RefreshSessions Sessions => new(user.State.Sessions, _options.Sessions, this.GetPrimaryKeyString());

    public Task<bool> Create(string password) => CreateAsync(password, passwordChangeRequired: false);

    public Task<bool> CreateWithTemporaryPassword(string password) => CreateAsync(password, passwordChangeRequired: true);

    private async Task<bool> CreateAsync(string password, bool passwordChangeRequired)
    {
        if (user.RecordExists) return false;
        user.State = new UserRecord
        {
            Password = PasswordHasher.Hash(password, _options.PasswordIterations),
            CreatedAt = time.GetUtcNow(),
            PasswordChangeRequired = passwordChangeRequired,
        };
        await user.WriteStateAsync();
        return true;
    }

    public async Task<UserProfile?> VerifyPassword(string password)
    {
        var result = await CheckPassword(password, VerifySource);
        return result.Outcome == LoginOutcome.Succeeded ? Profile() : null;
    }

    public Task<UserProfile?> GetProfile() => Task.FromResult(Exists ? Profile() : null);

    public async Task<LoginResult> Login(string password, string source)
    {
        var result = await CheckPassword(password, source);
        if (result.Outcome != LoginOutcome.Succeeded) return result;
        var session = Sessions.Open(time.GetUtcNow(), out var evicted);
        await user.WriteStateAsync();
        if (evicted.Count > 0) AnnounceEnded(evicted);
        return result with { Session = session };
    }

    public async Task<RefreshResult> Refresh(string refreshToken)
    {
        if (!Exists || !TryParseOwn(refreshToken, out var sessionId, out var secret)) return new RefreshResult(RefreshOutcome.Invalid);
        var now = time.GetUtcNow();
        var sessions = Sessions;
        var pruned = sessions.Prune(now);
        var (session, match) = sessions.Find(sessionId, secret, now);
        switch (match)
        {
            case RefreshSessions.Match.Current:
                var issued = sessions.Rotate(session!, now);
                await user.WriteStateAsync();
                return new RefreshResult(RefreshOutcome.Succeeded, Profile(), issued, sessionId);
            case RefreshSessions.Match.Rotated:
                sessions.Revoke(session!);
                await user.WriteStateAsync();
                AnnounceEnded([sessionId]);
                return new RefreshResult(RefreshOutcome.Reused, SessionId: sessionId);
            default:
                if (pruned) await user.WriteStateAsync();
                return new RefreshResult(RefreshOutcome.Invalid);
        }
    }

    public async Task<bool> Logout(string refreshToken)
    {
        if (!Exists || !TryParseOwn(refreshToken, out var sessionId, out var secret)) return false;
        var sessions = Sessions;
        var (session, match) = sessions.Find(sessionId, secret, time.GetUtcNow());
        // A rotated token still proves the caller held this session; ending it is what both sides want.
        if (match == RefreshSessions.Match.None) return false;
        sessions.Revoke(session!);
        await user.WriteStateAsync();
        AnnounceEnded([sessionId]);
        return true;
    }

    public async Task<int> RevokeAllSessions()
    {
        if (!Exists) return 0;
        var sessions = Sessions;
        sessions.Prune(time.GetUtcNow());
        var count = sessions.RevokeAll();
        await user.WriteStateAsync();
        // Announced even when none was live here: access tokens of pruned sessions may still be in use.
        AnnounceEnded(null);
        return count;
    }

    public async Task<PasswordChangeOutcome> ChangePassword(string currentPassword, string newPassword, string keepSessionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(newPassword);
        if (!Exists || !Sessions.IsLive(keepSessionId, time.GetUtcNow())) return PasswordChangeOutcome.SessionEnded;
        var check = await CheckPassword(currentPassword, VerifySource);
        switch (check.Outcome)
        {
            case LoginOutcome.LockedOut: return PasswordChangeOutcome.LockedOut;
            case LoginOutcome.InvalidCredentials: return PasswordChangeOutcome.WrongPassword;
        }
        user.State.Password = PasswordHasher.Hash(newPassword, _options.PasswordIterations);
        user.State.PasswordChangeRequired = false;
        var ended = Sessions.RevokeAllExcept(keepSessionId);
        await user.WriteStateAsync();
        AnnounceEnded(ended);
        return PasswordChangeOutcome.Changed;
    }

    public async Task<bool> ResetPassword(string newPassword)
    {
        ArgumentException.ThrowIfNullOrEmpty(newPassword);
        if (!Exists) return false;
        user.State.Password = PasswordHasher.Hash(newPassword, _options.PasswordIterations);
        user.State.Sessions.Clear();
        await user.WriteStateAsync();
        AnnounceEnded(null);
        return true;
    }

    public Task<bool> IsSessionActive(string sessionId) =>
        Task.FromResult(Exists && Sessions.IsLive(sessionId, time.GetUtcNow()));

    public async Task<bool> UnlockLogin()
    {
        if (!Exists) return _unknownUserThrottle?.Clear() == true;
        if (!user.State.Throttle.Clear()) return false;
        await user.WriteStateAsync();
        return true;
    }

    /// <summary>The lockout bucket of password checks that come with a session rather than from a sign-in form.</summary>
    private const string VerifySource = "verify";

    /// <summary>The password check under lockout, shared by <see cref="Login"/> and <see cref="VerifyPassword"/>.</summary>
    private async Task<LoginResult> CheckPassword(string password, string source)
    {
        var exists = Exists;
        var throttle = exists ? user.State.Throttle : _unknownUserThrottle ??= new LoginThrottle();
        var result = LoginRules.Check(exists ? user.State : null, throttle, source ?? "", password, _options, time.GetUtcNow(), this.GetPrimaryKeyString(), out var changed);
        if (!changed) return result;
        if (exists)
        {
            await user.WriteStateAsync();
        }
        else
        {
            // Keep the in-memory count for as long as it matters.
            var lockout = _options.Lockout;
            DelayDeactivation(lockout.Window > lockout.Duration ? lockout.Window : lockout.Duration);
        }
        return result;
    }

    /// <summary>Tells every web host (through the organisation grain's observers) to close the hub connections of
    /// these sessions (null: all of this user's). One-way: the sessions have ended whether or not the push arrives;
    /// a connection missing it still closes when its access token expires.</summary>
    private void AnnounceEnded(IReadOnlyList<string>? sessionIds) =>
        _ = GrainFactory.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key).SessionsEnded(this.GetPrimaryKeyString(), sessionIds);

    private bool TryParseOwn(string refreshToken, out string sessionId, out string secret)
    {
        sessionId = secret = "";
        if (!RefreshTokenFormat.TryParse(refreshToken, out var username, out var id, out var s) || username != this.GetPrimaryKeyString()) return false;
        (sessionId, secret) = (id, s);
        return true;
    }

    private UserProfile Profile() => LoginRules.Profile(this.GetPrimaryKeyString(), user.State);
}

/// <summary>The login decision without Orleans: lockout first, then the password, then a hash upgrade.</summary>
internal static class LoginRules
{
    /// <param name="account">Null for a username without an account: a decoy hash is checked at the same cost.</param>
    /// <param name="changed">Whether <paramref name="account"/> or <paramref name="throttle"/> changed and must be kept.</param>
    /// <param name="source">The client address (partition) the attempt comes from: lockouts are per account and address.</param>
    public static LoginResult Check(UserRecord? account, LoginThrottle throttle, string source, string? password, UserAccountOptions options, DateTimeOffset now, string username, out bool changed)
    {
        changed = false;
        var exists = account?.Password is not null;
        // While locked no password is looked at: the right one gets the same answer as a wrong one.
        if (throttle.IsLocked(source, now, out var lockedUntil)) return new LoginResult(LoginOutcome.LockedOut, LockedUntil: lockedUntil, AccountExists: exists);

        password ??= "";
        var matches = exists
            ? PasswordHasher.Verify(password, account!.Password!)
            : PasswordHasher.VerifyDecoy(password, options.PasswordIterations);
        if (!matches)
        {
            changed = true;
            return throttle.RecordFailure(source, options.Lockout, now) is { } until
                ? new LoginResult(LoginOutcome.LockedOut, LockedUntil: until, LockedNow: true, AccountExists: exists)
                : new LoginResult(LoginOutcome.InvalidCredentials, AccountExists: exists);
        }

        changed = throttle.Reset(source);
        if (PasswordHasher.NeedsRehash(account!.Password!, options.PasswordIterations))
        {
            // The caller just proved the password: store it again at today's cost.
            account.Password = PasswordHasher.Hash(password, options.PasswordIterations);
            changed = true;
        }
        return new LoginResult(LoginOutcome.Succeeded, Profile(username, account), AccountExists: true);
    }

    public static UserProfile Profile(string username, UserRecord account) => new(username, account.PasswordChangeRequired);
}
