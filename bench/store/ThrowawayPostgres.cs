using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Spotter.Collab.StoreBench;

/// <summary>
/// A PostgreSQL server for one benchmark run, started the way tests/Cluster.Tests/PostgresFixture.cs does it:
/// <c>initdb</c> into a temporary directory, <c>pg_ctl start</c> on a free loopback port (as the <c>postgres</c> user
/// when running as root), <c>fsync=on</c> so a commit costs what it costs in production; stopped and deleted at the end.
/// </summary>
internal sealed class ThrowawayPostgres : IAsyncDisposable
{
    private const string ServiceUser = "postgres";
    private readonly string _bin;
    private readonly string _root;
    private readonly bool _asServiceUser;
    private bool _running;
    private int _databases;

    private ThrowawayPostgres(string bin, string root, bool asServiceUser)
    {
        _bin = bin;
        _root = root;
        _asServiceUser = asServiceUser;
    }

    public int Port { get; private set; }
    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>"PostgreSQL 15.x" as the server reports it.</summary>
    public string Version { get; private set; } = "";

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        var bin = FindBinDirectory() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) not found in PG_BIN, /usr/lib/postgresql/*/bin or PATH (apt-get install postgresql).");
        var root = Directory.CreateTempSubdirectory("spotter-bench-pg-").FullName;
        var server = new ThrowawayPostgres(bin, root, Environment.UserName == "root");
        try
        {
            await server.InitAndStartAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private async Task InitAndStartAsync()
    {
        if (_asServiceUser) await RunAsync("chown", [$"{ServiceUser}:{ServiceUser}", _root], asServiceUser: false);
        await RunAsync(Tool("initdb"), ["-D", DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"], _asServiceUser);
        for (var attempt = 0; attempt < 3 && !_running; attempt++)
        {
            Port = FreePort();
            var options = $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={_root} -c fsync=on -c max_connections=300";
            try
            {
                await RunAsync(Tool("pg_ctl"), ["start", "-w", "-t", "30", "-D", DataDirectory, "-l", Path.Combine(_root, "server.log"), "-o", options], _asServiceUser);
                _running = true;
            }
            catch (InvalidOperationException) when (attempt < 2)
            {
                // The free port was taken in between; try another.
            }
        }
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
        await connection.OpenAsync();
        Version = "PostgreSQL " + connection.PostgreSqlVersion.ToString();
    }

    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}";
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionStringFor(name);
    }

    public string ConnectionStringFor(string database, int maxPoolSize = 100) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        MaxPoolSize = maxPoolSize,
    }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_running)
        {
            _running = false;
            await RunAsync(Tool("pg_ctl"), ["stop", "-w", "-t", "30", "-m", "fast", "-D", DataDirectory], _asServiceUser);
        }
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private string Tool(string name) => Path.Combine(_bin, name);

    private static string? FindBinDirectory()
    {
        static bool HasTools(string? dir) => !string.IsNullOrEmpty(dir) && File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));
        var fromEnvironment = Environment.GetEnvironmentVariable("PG_BIN");
        if (HasTools(fromEnvironment)) return fromEnvironment;
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.GetDirectories(debianRoot)
                .Where(dir => int.TryParse(Path.GetFileName(dir), out _) && HasTools(Path.Combine(dir, "bin")))
                .OrderByDescending(dir => int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture))
                .FirstOrDefault();
            if (newest is not null) return Path.Combine(newest, "bin");
        }
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).FirstOrDefault(HasTools);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, bool asServiceUser)
    {
        var start = new ProcessStartInfo
        {
            FileName = asServiceUser ? "runuser" : fileName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asServiceUser)
        {
            foreach (var part in new[] { "-u", ServiceUser, "--", fileName }) start.ArgumentList.Add(part);
        }
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"could not start {start.FileName}: {ex.Message}", ex);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr}{await stdout}");
            }
        }
    }
}
