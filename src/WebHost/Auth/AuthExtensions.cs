using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Spotter.Collab.WebHost.Auth;

public static class AuthExtensions
{
    public const string AdminPolicy = "admin";

    public static WebApplicationBuilder AddCollabAuthentication(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<TokenOptions>().Bind(builder.Configuration.GetSection(TokenOptions.SectionName));
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TokenService, IOptions<TokenOptions>>((jwt, tokens, options) =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = options.Value.Issuer,
                    ValidAudience = options.Value.Audience,
                    IssuerSigningKey = tokens.SigningKey,
                    NameClaimType = CollabClaims.Username,
                    RoleClaimType = CollabClaims.Role,
                    ClockSkew = TimeSpan.FromSeconds(30),
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
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(CollabClaims.AdminRole));
        builder.Services.AddHostedService<AdminAccountInitializer>();
        return builder;
    }

    /// <summary>The authenticated username (the token's subject).</summary>
    public static string Username(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(CollabClaims.Username) ?? throw new InvalidOperationException("authenticated principal has no subject");
    }
}
