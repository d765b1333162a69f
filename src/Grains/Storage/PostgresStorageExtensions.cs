using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.KnowledgeBase;

namespace Spotter.Collab.Grains.Storage;

public static class PostgresStorageExtensions
{
    /// <summary>Cluster mode: document logs and host secrets in PostgreSQL (grain state uses Orleans' ADO.NET provider).</summary>
    public static IServiceCollection AddPostgresStorage(this IServiceCollection services, IConfiguration configuration, string connectionString)
    {
        services.AddOptions<PostgresStoreOptions>().Bind(configuration.GetSection(PostgresStoreOptions.SectionName));
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<ISecretStore, PostgresSecretStore>();
        services.AddSingleton<IAuditLog>(sp => new PostgresAuditLog(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetService<TimeProvider>()));
        services.AddSingleton<PostgresDocumentStore>();
        services.AddSingleton<IDocumentStore>(sp => sp.GetRequiredService<PostgresDocumentStore>());
        services.AddKnowledgeBaseStore<KnowledgeBase.Storage.PostgresKnowledgeBaseStore>(configuration);
        return services;
    }

    /// <summary>Only the shared secrets and the audit log (web hosts that are Orleans clients and store no documents).</summary>
    public static IServiceCollection AddPostgresSecrets(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<ISecretStore, PostgresSecretStore>();
        services.AddSingleton<IAuditLog>(sp => new PostgresAuditLog(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetService<TimeProvider>()));
        return services;
    }
}
