using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.WebHost.Hosting;

public static class SiloHostingExtensions
{
    /// <summary>Single-process mode: a localhost-clustered silo in this host, storing everything in SQLite.</summary>
    public static WebApplicationBuilder AddEmbeddedSilo(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var silo = builder.Configuration.GetSection(SiloOptions.SectionName).Get<SiloOptions>() ?? new SiloOptions();
        builder.UseOrleans(orleans =>
        {
            orleans.UseLocalhostClustering(silo.SiloPort, silo.GatewayPort, null, silo.ServiceId, silo.ClusterId);
        });
        builder.Services.AddSqliteStorage(builder.Configuration);
        builder.Services.AddOptions<DocumentGrainOptions>().Bind(builder.Configuration.GetSection(DocumentGrainOptions.SectionName));
        return builder;
    }
}
