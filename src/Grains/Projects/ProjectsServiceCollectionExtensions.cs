using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.Grains.Documents;

namespace Spotter.Collab.Grains.Projects;

public static class ProjectsServiceCollectionExtensions
{
    /// <summary>Silo side: the project history store next to the document store, and the project resource kind.</summary>
    public static IServiceCollection AddProjectStore<TStore>(this IServiceCollection services)
        where TStore : class, IProjectHistoryStore
    {
        services.AddSingleton<IProjectHistoryStore, TStore>();
        services.AddResourceKind<ProjectKind>();
        return services;
    }
}
