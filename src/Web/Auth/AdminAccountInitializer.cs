using System.Security.Cryptography;
using Spotter.Collab.Grains;

namespace Spotter.Collab.WebHost.Auth;

/// <summary>
/// First start: creates the <c>admin</c> account with SPOTTER_ADMIN_PASSWORD, or a generated password printed once.
/// Registered after the silo, so grains are available when it runs.
/// </summary>
public sealed partial class AdminAccountInitializer(IGrainFactory grains, IConfiguration configuration, FirstRunNotice firstRun, ILogger<AdminAccountInitializer> logger) : IHostedService
{
    public const string AdminUsername = "admin";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var admin = grains.GetGrain<IUserGrain>(AdminUsername);
        if (await admin.GetProfile().WaitAsync(cancellationToken) is not null) return;
        var configured = configuration["SPOTTER_ADMIN_PASSWORD"];
        var password = string.IsNullOrEmpty(configured) ? RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20) : configured;
        // The directory seeds the admin's entry (name, administrator) itself; the account holds the credentials.
        var generated = string.IsNullOrEmpty(configured);
        var created = generated ? admin.CreateWithTemporaryPassword(password) : admin.Create(password);
        if (!await created.WaitAsync(cancellationToken)) return;
        // Shown once, by the executable's start banner (never logged, not stored in clear text).
        if (generated) firstRun.GeneratedAdminPassword = password;
        LogAdminCreated(logger);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the admin account")]
    private static partial void LogAdminCreated(ILogger logger);
}

/// <summary>What the first start has to tell the operator once: the generated admin password, when there is one.</summary>
public sealed class FirstRunNotice
{
    public string? GeneratedAdminPassword { get; set; }
}
