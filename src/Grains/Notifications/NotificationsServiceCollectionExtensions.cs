using Microsoft.Extensions.DependencyInjection;

namespace Spotter.Collab.Grains.Notifications;

public static class NotificationsServiceCollectionExtensions
{
    /// <summary>Silo side: users' inboxes with their rows in <typeparamref name="TStore"/>.</summary>
    public static IServiceCollection AddNotificationStore<TStore>(this IServiceCollection services)
        where TStore : class, INotificationStore
    {
        services.AddSingleton<INotificationStore, TStore>();
        return services;
    }
}
