using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.Grains.Okr;
using Spotter.Collab.Grains.Notifications;
using Spotter.Collab.Grains.Projects;

namespace Spotter.Collab.Grains.Storage;

public static class PostgresStorageExtensions
{
    /// <summary>Cluster mode: document logs, the access model's rows and the audit log in PostgreSQL (other grain state
    /// uses Orleans' ADO.NET provider).</summary>
    public static IServiceCollection AddPostgresStorage(this IServiceCollection services, IConfiguration configuration, string connectionString)
    {
        services.AddOptions<PostgresStoreOptions>().Bind(configuration.GetSection(PostgresStoreOptions.SectionName));
        AllowNpgsqlExceptions(services);
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<IAuditLog>(sp => new PostgresAuditLog(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetService<TimeProvider>()));
        services.AddSingleton<Access.IAccessStore>(sp => new PostgresAccessStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<PostgresDocumentStore>();
        services.AddSingleton<IDocumentStore>(sp => sp.GetRequiredService<PostgresDocumentStore>());
        services.AddKnowledgeBaseStore<KnowledgeBase.Storage.PostgresKnowledgeBaseStore>(configuration);
        services.AddProjectStore<Projects.PostgresProjectHistoryStore>();
        services.AddOkrStore<Okr.PostgresOkrStore>();
        services.AddProjectAutomation<Projects.PostgresAutomationStore>(configuration);
        services.AddNotificationStore<Notifications.PostgresNotificationStore>();
        return services;
    }

    /// <summary>Only the audit log (web hosts that are Orleans clients and store no documents).</summary>
    public static IServiceCollection AddPostgresAuditLog(this IServiceCollection services, string connectionString)
    {
        AllowNpgsqlExceptions(services);
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<IAuditLog>(sp => new PostgresAuditLog(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetService<TimeProvider>()));
        return services;
    }

    /// <summary>
    /// A grain call that fails on the database (our store or Orleans' ADO.NET storage) answers with an
    /// <see cref="NpgsqlException"/>, usually as an inner exception. Orleans serializes only exceptions of allowed
    /// namespaces; without this the answer itself fails to serialize and the caller gets a CodecNotFoundException
    /// instead of the database error. Needed on both ends (silo and web host).
    /// </summary>
    private static void AllowNpgsqlExceptions(IServiceCollection services) =>
        services.Configure<ExceptionSerializationOptions>(options => options.SupportedNamespacePrefixes.Add("Npgsql"));
}
