using System.Security.Cryptography;
using Spotter.Collab.Grains;

namespace Spotter.Collab.WebHost.Auth;

/// <summary>
/// First start: creates the <c>admin</c> account with SPOTTER_ADMIN_PASSWORD, or a generated password printed once.
/// Registered after the silo, so grains are available when it runs.
/// </summary>
public sealed partial class AdminAccountInitializer(IGrainFactory grains, IConfiguration configuration, ILogger<AdminAccountInitializer> logger) : IHostedService
{
    public const string AdminUsername = "admin";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var admin = grains.GetGrain<IUserGrain>(AdminUsername);
        if (await admin.GetProfile().WaitAsync(cancellationToken) is not null) return;
        var configured = configuration["SPOTTER_ADMIN_PASSWORD"];
        var password = string.IsNullOrEmpty(configured) ? RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20) : configured;
        // The directory seeds the admin's entry (name, administrator) itself; the account holds the credentials.
        if (!await admin.Create(password).WaitAsync(cancellationToken)) return;
        if (string.IsNullOrEmpty(configured))
        {
            // Printed once, on the console only: it is not stored anywhere in clear text.
            await Console.Out.WriteLineAsync($"Created account 'admin' with generated password: {password}");
        }
        LogAdminCreated(logger);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the admin account")]
    private static partial void LogAdminCreated(ILogger logger);
}
