using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Caching.Memory;
using Spotter.Collab.Grains.Access;

namespace Spotter.Collab.WebHost.Auth;

/// <summary>
/// Whether a caller is an administrator, as the organisation directory says (never the token's role claim: a token
/// outlives a change, and a forged one would claim anything). Answers are cached for <see cref="CacheFor"/> per
/// host; a deactivation pushed to the host drops the cached answer at once.
/// </summary>
public sealed class DirectoryAdmins(IGrainFactory grains, IMemoryCache cache)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    /// <summary>True for a signed-in user (not a link session) who is an active administrator in the directory.</summary>
    public async ValueTask<bool> IsAdminAsync(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true || user.FindFirstValue(CollabClaims.Redeemer) is not null) return false;
        var username = user.FindFirstValue(CollabClaims.Username);
        if (username is null || Principals.IsLink(username)) return false;
        if (cache.TryGetValue(Key(username), out bool known)) return known;
        var entry = await grains.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key).GetUser(username);
        var isAdmin = entry is { IsAdmin: true, Deactivated: false };
        cache.Set(Key(username), isAdmin, CacheFor);
        return isAdmin;
    }

    /// <summary>The user's standing changed (e.g. deactivated): ask the directory again next time.</summary>
    public void Forget(string username) => cache.Remove(Key(username));

    private static string Key(string username) => "admin:" + username;
}

/// <summary>The <see cref="AuthExtensions.AdminPolicy"/> requirement: an administrator in the directory.</summary>
public sealed class DirectoryAdminRequirement : IAuthorizationRequirement;

public sealed class DirectoryAdminHandler(DirectoryAdmins admins) : AuthorizationHandler<DirectoryAdminRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, DirectoryAdminRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await admins.IsAdminAsync(context.User)) context.Succeed(requirement);
    }
}
