using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.Grains.KnowledgeBase.Storage;

namespace Spotter.Collab.Grains.KnowledgeBase;

public static class KnowledgeBaseServiceCollectionExtensions
{
    /// <summary>Silo side: options and the knowledge-base tables next to the document store.</summary>
    public static IServiceCollection AddKnowledgeBaseStore<TStore>(this IServiceCollection services, IConfiguration configuration)
        where TStore : class, IKnowledgeBaseStore
    {
        services.AddOptions<KnowledgeBaseOptions>().Bind(configuration.GetSection(KnowledgeBaseOptions.SectionName));
        services.AddSingleton<IKnowledgeBaseStore, TStore>();
        return services;
    }
}
