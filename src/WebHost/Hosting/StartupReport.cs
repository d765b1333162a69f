using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Hosting;

/// <summary>
/// What the executable tells the operator at start: before it, every port it would listen on that another process
/// already holds, with the setting that moves it; after it, one block with the address, the data directory, the
/// Orleans ports and, on the first start, the generated admin password.
/// </summary>
public static class StartupReport
{
    /// <summary>One line per port this host would listen on that is already taken (empty when all are free).</summary>
    public static IReadOnlyList<string> PortConflicts(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var conflicts = new List<string>();
        foreach (var url in ConfiguredUrls(app.Configuration))
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Port == 0) continue;
            if (!IsFree(AddressOf(uri.Host), uri.Port))
            {
                conflicts.Add($"port {uri.Port} (web address {url}) is already in use. Move this instance with --urls=http://127.0.0.1:<port> (or ASPNETCORE_URLS).");
            }
        }
        if (!SiloHostingExtensions.IsClusterClient(app.Configuration))
        {
            var silo = app.Configuration.GetSection(SiloOptions.SectionName).Get<SiloOptions>() ?? new SiloOptions();
            if (!IsFree(IPAddress.Any, silo.SiloPort))
            {
                conflicts.Add($"port {silo.SiloPort} (Orleans silo port) is already in use. Move it with --Orleans:SiloPort=<port> (or Orleans__SiloPort).");
            }
            if (!IsFree(IPAddress.Any, silo.GatewayPort))
            {
                conflicts.Add($"port {silo.GatewayPort} (Orleans gateway port) is already in use. Move it with --Orleans:GatewayPort=<port> (or Orleans__GatewayPort).");
            }
        }
        return conflicts;
    }

    /// <summary>The message for conflicts found by <see cref="PortConflicts"/>.</summary>
    public static string ConflictMessage(IReadOnlyList<string> conflicts)
    {
        ArgumentNullException.ThrowIfNull(conflicts);
        var text = new StringBuilder("Spotter.Collab cannot start: another program (perhaps another Spotter.Collab instance on this machine) holds its ports.\n");
        foreach (var conflict in conflicts) text.Append("  - ").Append(conflict).Append('\n');
        text.Append("Stop the other instance, or give this one free ports (docs/deploy.md, Settings).");
        return text.ToString();
    }

    /// <summary>The block printed once the host listens (it takes the generated password: a second call omits it).</summary>
    public static string Banner(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var configuration = app.Configuration;
        var line = new string('=', 78);
        var text = new StringBuilder().Append(line).Append('\n');
        if (SiloHostingExtensions.IsClusterClient(configuration))
        {
            var silo = configuration.GetSection(SiloOptions.SectionName).Get<SiloOptions>() ?? new SiloOptions();
            text.Append($" Spotter.Collab web host is running (client of cluster '{silo.ClusterId}', silos on PostgreSQL)\n");
            text.Append($"   Open:            {string.Join(", ", addresses)}\n");
        }
        else
        {
            var storage = configuration.GetSection(SqliteStoreOptions.SectionName).Get<SqliteStoreOptions>() ?? new SqliteStoreOptions();
            var silo = configuration.GetSection(SiloOptions.SectionName).Get<SiloOptions>() ?? new SiloOptions();
            text.Append(" Spotter.Collab is running (single process: embedded silo, SQLite)\n");
            text.Append($"   Open:            {string.Join(", ", addresses)}   (--urls)\n");
            text.Append($"   Data directory:  {Path.GetDirectoryName(storage.DatabasePath)}   (Storage:DataDirectory)\n");
            text.Append($"   Orleans ports:   silo {silo.SiloPort}, gateway {silo.GatewayPort}   (Orleans:SiloPort, Orleans:GatewayPort)\n");
        }
        var notice = app.Services.GetRequiredService<FirstRunNotice>();
        if (notice.GeneratedAdminPassword is { } password)
        {
            notice.GeneratedAdminPassword = null; // shown once

            text.Append($"   Sign in as:      admin   password: {password}\n");
            text.Append("                    (generated now and shown only this once; you will be asked to change it at first sign-in)\n");
        }
        return text.Append(line).ToString();
    }

    private static IEnumerable<string> ConfiguredUrls(IConfiguration configuration)
    {
        foreach (var url in (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) yield return url;
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { Length: > 0 } url) yield return url;
        }
    }

    private static IPAddress AddressOf(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "0.0.0.0" => IPAddress.Any,
        _ => IPAddress.TryParse(host.Trim('[', ']'), out var address) ? address : IPAddress.Any,
    };

    private static bool IsFree(IPAddress address, int port)
    {
        if (port <= 0) return true;
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(1);
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return false;
        }
    }
}
