using Orleans.Runtime;

namespace Spotter.Collab.Grains.Users;

[GenerateSerializer, Alias("spotter.UserRecord")]
public sealed class UserRecord
{
    [Id(0)] public string DisplayName { get; set; } = "";
    [Id(1)] public PasswordHash? Password { get; set; }
    [Id(2)] public bool IsAdmin { get; set; }
    [Id(3)] public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One account, keyed by username; the password hash never leaves the grain.</summary>
public sealed class UserGrain([PersistentState("user")] IPersistentState<UserRecord> user) : Grain, IUserGrain
{
    public async Task<bool> Create(string displayName, string password, bool isAdmin)
    {
        if (user.RecordExists) return false;
        user.State = new UserRecord
        {
            DisplayName = displayName,
            Password = PasswordHasher.Hash(password),
            IsAdmin = isAdmin,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await user.WriteStateAsync();
        return true;
    }

    public Task<UserProfile?> VerifyPassword(string password)
    {
        if (!user.RecordExists || user.State.Password is null) return Task.FromResult<UserProfile?>(null);
        return Task.FromResult(PasswordHasher.Verify(password, user.State.Password) ? Profile() : null);
    }

    public Task<UserProfile?> GetProfile() => Task.FromResult(user.RecordExists ? Profile() : null);

    private UserProfile Profile() => new(this.GetPrimaryKeyString(), user.State.DisplayName, user.State.IsAdmin);
}
