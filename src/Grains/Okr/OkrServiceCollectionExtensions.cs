using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.Grains.Documents;

namespace Spotter.Collab.Grains.Okr;

public static class OkrServiceCollectionExtensions
{
    /// <summary>Silo side: the OKR store next to the document store, and the objective resource kind.</summary>
    public static IServiceCollection AddOkrStore<TStore>(this IServiceCollection services)
        where TStore : class, IOkrStore
    {
        services.AddSingleton<IOkrStore, TStore>();
        services.AddResourceKind<ObjectiveKind>();
        return services;
    }
}
