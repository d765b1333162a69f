namespace Spotter.Collab.WebHost.Hosting;

public static class ClusterMode
{
    /// <summary>
    /// Client mode (<c>Cluster:Mode=client</c> or <c>ConnectionStrings:Postgres</c> set): the host joins a separate
    /// silo cluster as an Orleans client; otherwise it co-hosts an embedded silo on SQLite.
    /// </summary>
    public static bool IsClient(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var mode = configuration["Cluster:Mode"];
        return string.Equals(mode, "client", StringComparison.OrdinalIgnoreCase)
            || (string.IsNullOrEmpty(mode) && !string.IsNullOrEmpty(configuration.GetConnectionString("Postgres")));
    }
}
