using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Spotter.Collab.Grains.Users;

/// <summary>One login's refresh-token family. Only SHA-256 hashes of its tokens are kept (they are 256-bit random,
/// so a fast hash is enough).</summary>
[GenerateSerializer, Alias("spotter.RefreshSession")]
public sealed class RefreshSession
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public byte[] CurrentHash { get; set; } = [];
    /// <summary>Hashes of tokens already rotated away, newest last; one of them coming back means a copy exists.</summary>
    [Id(2)] public List<byte[]> RotatedHashes { get; set; } = [];
    [Id(3)] public DateTimeOffset CreatedAt { get; set; }
    [Id(4)] public DateTimeOffset LastUsedAt { get; set; }
    [Id(5)] public DateTimeOffset ExpiresAt { get; set; }

    public bool IsLive(SessionOptions options, DateTimeOffset now) => now < ExpiresAt && now - LastUsedAt < options.IdleTimeout;

    /// <summary>When the current refresh token stops working if it is not used before.</summary>
    public DateTimeOffset TokenExpiry(SessionOptions options)
    {
        var idle = LastUsedAt + options.IdleTimeout;
        return idle < ExpiresAt ? idle : ExpiresAt;
    }
}

/// <summary>The live sessions of one account and the rules for issuing, rotating and revoking them.</summary>
public sealed class RefreshSessions(List<RefreshSession> sessions, SessionOptions options, string username)
{
    public enum Match
    {
        None,
        Current,
        Rotated,
    }

    public IssuedSession Open(DateTimeOffset now) => Open(now, out _);

    /// <param name="evicted">Ids of live sessions ended to stay within <see cref="SessionOptions.MaxPerUser"/>.</param>
    public IssuedSession Open(DateTimeOffset now, out List<string> evicted)
    {
        Prune(now);
        evicted = [];
        while (sessions.Count >= Math.Max(1, options.MaxPerUser))
        {
            var oldest = sessions.MinBy(s => s.LastUsedAt)!;
            sessions.Remove(oldest);
            evicted.Add(oldest.Id);
        }
        var session = new RefreshSession
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            CreatedAt = now,
            LastUsedAt = now,
            ExpiresAt = now + options.AbsoluteLifetime,
        };
        sessions.Add(session);
        return NewToken(session);
    }

    /// <summary>Finds the live session a token names and how the token relates to it. Dead sessions found on the
    /// way are dropped (the caller persists if <see cref="Prune"/> reports a change).</summary>
    public (RefreshSession? Session, Match Match) Find(string sessionId, string secret, DateTimeOffset now)
    {
        Prune(now);
        var session = sessions.Find(s => s.Id == sessionId);
        if (session is null) return (null, Match.None);
        var hash = Hash(secret);
        if (CryptographicOperations.FixedTimeEquals(hash, session.CurrentHash)) return (session, Match.Current);
        foreach (var rotated in session.RotatedHashes)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, rotated)) return (session, Match.Rotated);
        }
        return (session, Match.None);
    }

    /// <summary>The presented token dies and a new one replaces it; the session counts as used now.</summary>
    public IssuedSession Rotate(RefreshSession session, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(session);
        session.RotatedHashes.Add(session.CurrentHash);
        var excess = session.RotatedHashes.Count - Math.Max(1, options.RotatedTokensKept);
        if (excess > 0) session.RotatedHashes.RemoveRange(0, excess);
        session.LastUsedAt = now;
        return NewToken(session);
    }

    public void Revoke(RefreshSession session) => sessions.Remove(session);

    public int RevokeAll()
    {
        var count = sessions.Count;
        sessions.Clear();
        return count;
    }

    /// <summary>Ends every session but <paramref name="keepId"/>; returns the ended ids.</summary>
    public List<string> RevokeAllExcept(string keepId)
    {
        var ended = sessions.Where(s => s.Id != keepId).Select(s => s.Id).ToList();
        sessions.RemoveAll(s => s.Id != keepId);
        return ended;
    }

    public bool IsLive(string sessionId, DateTimeOffset now) => sessions.Exists(s => s.Id == sessionId && s.IsLive(options, now));

    /// <summary>Drops ended sessions; true if any was dropped.</summary>
    public bool Prune(DateTimeOffset now) => sessions.RemoveAll(s => !s.IsLive(options, now)) > 0;

    private IssuedSession NewToken(RefreshSession session)
    {
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        session.CurrentHash = Hash(secret);
        return new IssuedSession(session.Id, RefreshTokenFormat.Format(username, session.Id, secret), session.TokenExpiry(options));
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
