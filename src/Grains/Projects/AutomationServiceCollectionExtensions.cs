using System.Net.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Spotter.Collab.Grains.Projects;

public static class AutomationServiceCollectionExtensions
{
    /// <summary>Silo side: project automation with its rows in <typeparamref name="TStore"/>, the webhook client (its
    /// connect step refuses internal addresses that are not allow-listed; no redirects, no proxy) and the delivery clock.</summary>
    public static IServiceCollection AddProjectAutomation<TStore>(this IServiceCollection services, IConfiguration configuration)
        where TStore : class, IAutomationStore
    {
        services.AddOptions<ProjectAutomationOptions>().Bind(configuration.GetSection(ProjectAutomationOptions.SectionName));
        services.AddSingleton<IAutomationStore, TStore>();
        services.TryAddKeyedSingleton<TimeProvider>(ProjectAutomationOptions.ClockKey, (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.AddSingleton<WebhookAddressPolicy>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<AutomationDeliveryClock>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<AutomationDeliveryClock>());
        services.AddHttpClient(WebhookSender.ClientName, (sp, client) =>
            {
                // The sender's own token bounds each attempt; this is only the outer limit.
                client.Timeout = sp.GetRequiredService<IOptions<ProjectAutomationOptions>>().Value.RequestTimeout + TimeSpan.FromSeconds(5);
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectCallback = sp.GetRequiredService<WebhookAddressPolicy>().ConnectAsync,
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                ConnectTimeout = sp.GetRequiredService<IOptions<ProjectAutomationOptions>>().Value.RequestTimeout,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            });
        return services;
    }
}
