using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Storage;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.KnowledgeBase;

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
        services.AddSingleton<SqliteDocumentStore>();
        services.AddSingleton<IDocumentStore>(sp => sp.GetRequiredService<SqliteDocumentStore>());
        services.AddKnowledgeBaseStore<KnowledgeBase.Storage.SqliteKnowledgeBaseStore>(configuration);
        services.AddSingleton<IAuditLog>(sp => new SqliteAuditLog(sp.GetRequiredService<SqliteDatabase>(), sp.GetService<TimeProvider>()));
        services.AddSingleton<Access.IAccessStore, SqliteAccessStore>();
        // Same registration shape as Orleans' AddGrainStorage: keyed by provider name, plus the unkeyed default.
        services.AddKeyedSingleton<IGrainStorage>(DefaultStorageName,
            (sp, _) => ActivatorUtilities.CreateInstance<SqliteGrainStorage>(sp));
        services.TryAddSingleton(sp => sp.GetRequiredKeyedService<IGrainStorage>(DefaultStorageName));
        return services;
    }
}
