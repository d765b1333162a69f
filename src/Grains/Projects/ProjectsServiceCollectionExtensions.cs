using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Spotter.Collab.Grains.Documents;

namespace Spotter.Collab.Grains.Projects;

public static class ProjectsServiceCollectionExtensions
{
    /// <summary>Silo side: the project history store next to the document store, and the project resource kind.</summary>
    public static IServiceCollection AddProjectStore<TStore>(this IServiceCollection services)
        where TStore : class, IProjectHistoryStore
    {
        services.AddSingleton<IProjectHistoryStore, TStore>();
        // The projects' clock (dates, overdue, history times, metrics); tests register a fake one under the key.
        services.TryAddKeyedSingleton<TimeProvider>(ProjectSchema.ClockKey, (sp, _) => sp.GetService<TimeProvider>() ?? TimeProvider.System);
        services.AddResourceKind<ProjectKind>();
        return services;
    }
}
