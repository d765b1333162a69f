using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.KnowledgeBase.Storage;

namespace Spotter.Collab.Grains.KnowledgeBase;

public static class KnowledgeBaseServiceCollectionExtensions
{
    /// <summary>Silo side: options, the knowledge-base tables next to the document store, and the wiki page as the
    /// default resource kind.</summary>
    public static IServiceCollection AddKnowledgeBaseStore<TStore>(this IServiceCollection services, IConfiguration configuration)
        where TStore : class, IKnowledgeBaseStore
    {
        services.AddOptions<KnowledgeBaseOptions>().Bind(configuration.GetSection(KnowledgeBaseOptions.SectionName));
        services.AddSingleton<IKnowledgeBaseStore, TStore>();
        services.AddResourceKind<PageKind>();
        return services;
    }
}
