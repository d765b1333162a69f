using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.Grains.Okr;
using Spotter.Collab.Grains.Notifications;
using Spotter.Collab.Grains.Projects;

namespace Spotter.Collab.Grains.Storage;

public static class StorageServiceCollectionExtensions
{
    public const string DefaultStorageName = "Default";

    /// <summary>
    /// Embedded mode: one SQLite file under the data directory holds document logs, the access model's rows, grain
    /// state (registered as Orleans' default grain storage), search text and the audit log.
    /// </summary>
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SqliteStoreOptions>().Bind(configuration.GetSection(SqliteStoreOptions.SectionName));
        services.AddSingleton<SqliteDatabase>();
        services.AddHostedService<SqliteMigrationStartup>();
        services.AddSingleton<SqliteDocumentStore>();
        services.AddSingleton<IDocumentStore>(sp => sp.GetRequiredService<SqliteDocumentStore>());
        services.AddKnowledgeBaseStore<KnowledgeBase.Storage.SqliteKnowledgeBaseStore>(configuration);
        services.AddProjectStore<Projects.SqliteProjectHistoryStore>();
        services.AddOkrStore<Okr.SqliteOkrStore>();
        services.AddSingleton<IAuditLog>(sp => new SqliteAuditLog(sp.GetRequiredService<SqliteDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton<Access.IAccessStore, SqliteAccessStore>();
        services.AddProjectAutomation<Projects.SqliteAutomationStore>(configuration);
        services.AddNotificationStore<Notifications.SqliteNotificationStore>();
        // Same registration shape as Orleans' AddGrainStorage: keyed by provider name, plus the unkeyed default.
        services.AddKeyedSingleton<IGrainStorage>(DefaultStorageName,
            (sp, _) => ActivatorUtilities.CreateInstance<SqliteGrainStorage>(sp));
        services.TryAddSingleton(sp => sp.GetRequiredKeyedService<IGrainStorage>(DefaultStorageName));
        return services;
    }
}

/// <summary>Opens the SQLite file at start and waits for its migrations, so a file that cannot be migrated stops the
/// host at start instead of failing its first request.</summary>
internal sealed class SqliteMigrationStartup(SqliteDatabase database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => database.Migrated.WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
