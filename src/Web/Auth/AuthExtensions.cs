using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Spotter.Collab.WebHost.Api;

namespace Spotter.Collab.WebHost.Auth;

public static class AuthExtensions
{
    public const string AdminPolicy = "admin";

    /// <summary>Rate-limiter policy of the <c>/api/auth</c> endpoints: requests per client address.</summary>
    public const string AuthRateLimitPolicy = "auth-per-address";

    private const int Segments = 6;

    public static WebApplicationBuilder AddCollabAuthentication(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<TokenOptions>().Bind(builder.Configuration.GetSection(TokenOptions.SectionName));
        var tokenOptions = builder.Configuration.GetSection(TokenOptions.SectionName).Get<TokenOptions>() ?? new TokenOptions();
        // The host's own signing keys are encrypted with this key ring. With operator keys there is nothing to
        // encrypt, and no key ring is made (Data Protection creates its first key at start).
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("spotter-collab");
        if (tokenOptions.SigningKeys.Count == 0)
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(SigningKeyRing.KeyDirectoryOf(tokenOptions, builder.Configuration)));
        }
        builder.Services.AddSingleton<SigningKeyRing>();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<PasswordPolicy>();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<SessionCheck>();
        builder.Services.AddSingleton<IAccessTokenCheck>(services => services.GetRequiredService<SessionCheck>());
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TokenService, IOptions<TokenOptions>>((jwt, tokens, options) =>
            {
                jwt.MapInboundClaims = false;
                // Nothing reads the raw token back from the authentication properties.
                jwt.SaveToken = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = options.Value.Issuer,
                    ValidAudience = options.Value.Audience,
                    IssuerSigningKeys = tokens.ValidationKeys,
                    NameClaimType = CollabClaims.Username,
                    RoleClaimType = CollabClaims.Role,
                    ClockSkew = options.Value.ClockSkew,
                };
                jwt.Events = new JwtBearerEvents
                {
                    // Browsers cannot set headers on WebSocket/SSE requests, so the hub also takes ?access_token=.
                    OnMessageReceived = context =>
                    {
                        var token = context.Request.Query["access_token"];
                        if (!string.IsNullOrEmpty(token) && context.Request.Path.StartsWithSegments("/hubs", StringComparison.Ordinal))
                        {
                            context.Token = token;
                        }
                        return Task.CompletedTask;
                    },
                    OnTokenValidated = async context =>
                    {
                        foreach (var check in context.HttpContext.RequestServices.GetServices<IAccessTokenCheck>())
                        {
                            if (await check.CheckAsync(context.Principal!, context.HttpContext.RequestAborted) is { } failure)
                            {
                                context.Fail(failure);
                                return;
                            }
                        }
                        // A hub connection holds its principal for as long as it is open: keep its claims, not the
                        // parsed token (and the token's own copy of them) behind the validated identity.
                        if (context.Request.Path.StartsWithSegments("/hubs", StringComparison.Ordinal) && context.Principal?.Identity is ClaimsIdentity validated)
                        {
                            context.Principal = new ClaimsPrincipal(new ClaimsIdentity(
                                validated.Claims.Select(c => new Claim(c.Type, c.Value, c.ValueType, c.Issuer, c.OriginalIssuer)),
                                validated.AuthenticationType, validated.NameClaimType, validated.RoleClaimType));
                        }
                    },
                };
            });
        builder.Services.AddSingleton<DirectoryAdmins>();
        builder.Services.AddSingleton<IAuthorizationHandler, DirectoryAdminHandler>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser().AddRequirements(new DirectoryAdminRequirement()));
        builder.Services.AddCollabRateLimits(
            builder.Configuration.GetSection(TokenOptions.SectionName).Get<TokenOptions>()?.RateLimit ?? new AuthRateLimitOptions());
        builder.Services.AddSingleton<FirstRunNotice>();
        builder.Services.AddHostedService<AdminAccountInitializer>();
        return builder;
    }

    private static IServiceCollection AddCollabRateLimits(this IServiceCollection services, AuthRateLimitOptions limits)
    {
        services.AddRateLimiter(rateLimiter =>
        {
            rateLimiter.AddPolicy(AuthRateLimitPolicy, http => RateLimitPartition.GetSlidingWindowLimiter(
                ClientPartition(http.Connection.RemoteIpAddress),
                _ => new SlidingWindowRateLimiterOptions
                {
                    PermitLimit = limits.PermitLimit,
                    Window = limits.Window,
                    SegmentsPerWindow = Segments,
                    QueueLimit = 0,
                }));
            rateLimiter.OnRejected = async (context, cancellationToken) =>
            {
                // A sliding window frees permits segment by segment, and does not say when: one segment is the honest guess.
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var known) ? known : limits.Window / Segments;
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Problems.Of(StatusCodes.Status429TooManyRequests, "rate-limited", "too many requests from this address; try again later")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    /// <summary>One partition per IPv4 address, and per /64 for IPv6 (a single host usually owns a whole /64).</summary>
    public static string ClientPartition(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>The authenticated username (the token's subject).</summary>
    public static string Username(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(CollabClaims.Username) ?? throw new InvalidOperationException("authenticated principal has no subject");
    }

    /// <summary>The signed-in user a link session is bound to (who redeemed it), or null: for a user's own token and
    /// for a link redeemed anonymously.</summary>
    public static string? Redeemer(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(CollabClaims.Redeemer);
    }

    /// <summary>Who answers for the caller's actions: the user, or the user a link session is bound to.</summary>
    public static string? Accountable(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(CollabClaims.Redeemer) ?? user.FindFirstValue(CollabClaims.Username);
    }
}
