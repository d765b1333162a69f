using System.ComponentModel;
using System.Globalization;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>
/// A throwaway PostgreSQL server for the test run: <c>initdb</c> into a temporary directory, <c>pg_ctl start</c> on a
/// free loopback port, and stop + delete at the end. Tests get their own database from <see cref="CreateDatabaseAsync"/>.
/// </summary>
/// <remarks>
/// PostgreSQL refuses to run as root, so when the tests run as root the server runs as the <c>postgres</c> OS user
/// (via <c>runuser</c>) and owns the data directory. Binaries are looked up in <c>PG_BIN</c>, then
/// <c>/usr/lib/postgresql/&lt;newest&gt;/bin</c>, then PATH; <c>./build.sh</c> installs them when missing.
/// </remarks>
public sealed class PostgresFixture : IAsyncLifetime
{
    private const string ServiceUser = "postgres";
    private const string DirectoryPrefix = "spotter-pg-";
    private const string OwnerFileName = "owner.pid";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private string _binDirectory = "";
    private string _rootDirectory = "";
    private bool _runAsServiceUser;
    private bool _started;
    private int _databaseCounter;

    public int Port { get; private set; }

    /// <summary>Connection string to the server's maintenance database (<c>postgres</c>).</summary>
    public string AdminConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _binDirectory = FindBinDirectory() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found in PG_BIN, /usr/lib/postgresql/*/bin or PATH. Run ./build.sh test, which installs the postgresql package.");
        _runAsServiceUser = Environment.UserName == "root";
        await ReapOrphansAsync();

        _rootDirectory = Directory.CreateTempSubdirectory(DirectoryPrefix).FullName;
        await File.WriteAllTextAsync(Path.Combine(_rootDirectory, OwnerFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var dataDirectory = Path.Combine(_rootDirectory, "data");
        if (_runAsServiceUser)
        {
            await RunAsync("chown", [$"{ServiceUser}:{ServiceUser}", _rootDirectory], asServiceUser: false);
        }

        await RunAsync(Tool("initdb"), ["-D", dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"], _runAsServiceUser);

        // A port picked as free can be taken before the server binds it; try a few.
        Exception? lastFailure = null;
        for (var attempt = 0; attempt < 3 && !_started; attempt++)
        {
            Port = FindFreePort();
            // A non-UTC server time zone (+05:30) on purpose: a timestamp that crossed the wire without its zone would
            // land 5.5 hours off and fail the membership time checks.
            var serverOptions = $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={_rootDirectory} -c fsync=on -c max_connections=200 -c timezone=Asia/Kolkata";
            try
            {
                await RunAsync(Tool("pg_ctl"), ["start", "-w", "-t", "30", "-D", dataDirectory, "-l", Path.Combine(_rootDirectory, "server.log"), "-o", serverOptions], _runAsServiceUser);
                _started = true;
            }
            catch (InvalidOperationException ex)
            {
                lastFailure = ex;
            }
        }
        if (!_started)
        {
            throw new InvalidOperationException($"PostgreSQL did not start; see {_rootDirectory}/server.log", lastFailure);
        }

        AdminConnectionString = ConnectionStringFor("postgres");
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        // The server lives only for this run, so a counter is unique enough.
        var name = $"{prefix}_{Interlocked.Increment(ref _databaseCounter)}".ToLowerInvariant();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionStringFor(name);
    }

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        // Keep the silos' pools small: several silos share one test server.
        MaxPoolSize = 20,
    }.ConnectionString;

    public async Task DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        NpgsqlConnection.ClearAllPools();
        await StopAndDeleteAsync();
    }

    private void OnProcessExit(object? sender, EventArgs e) => StopAndDeleteAsync().GetAwaiter().GetResult();

    private async Task StopAndDeleteAsync()
    {
        if (_started)
        {
            _started = false;
            try
            {
                await RunAsync(Tool("pg_ctl"), ["stop", "-w", "-t", "30", "-m", "fast", "-D", Path.Combine(_rootDirectory, "data")], _runAsServiceUser);
            }
            catch (InvalidOperationException)
            {
                // Fall through to deleting the directory; a server that refuses to stop is reported by the log left behind.
                return;
            }
        }
        if (_rootDirectory.Length > 0 && Directory.Exists(_rootDirectory))
        {
            Directory.Delete(_rootDirectory, recursive: true);
        }
    }

    /// <summary>
    /// Stops and deletes servers left behind by earlier test processes that died without disposing the fixture
    /// (a crash or Environment.FailFast skips every cleanup hook).
    /// </summary>
    private async Task ReapOrphansAsync()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            var ownerFile = Path.Combine(directory, OwnerFileName);
            if (!File.Exists(ownerFile)
                || !int.TryParse(await File.ReadAllTextAsync(ownerFile), NumberStyles.None, CultureInfo.InvariantCulture, out var owner)
                || IsAlive(owner))
            {
                continue;
            }
            var dataDirectory = Path.Combine(directory, "data");
            if (File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
            {
                try
                {
                    await RunAsync(Tool("pg_ctl"), ["stop", "-w", "-t", "30", "-m", "immediate", "-D", dataDirectory], _runAsServiceUser);
                }
                catch (InvalidOperationException)
                {
                    // Not running any more (stale pid file); deleting the directory is all that is left to do.
                }
            }
            Directory.Delete(directory, recursive: true);
        }
    }

    private static bool IsAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private string Tool(string name) => Path.Combine(_binDirectory, name);

    private static string? FindBinDirectory()
    {
        static bool HasServerTools(string? dir) =>
            !string.IsNullOrEmpty(dir) && File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));

        var fromEnvironment = Environment.GetEnvironmentVariable("PG_BIN");
        if (HasServerTools(fromEnvironment))
        {
            return fromEnvironment;
        }
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.GetDirectories(debianRoot)
                .Select(dir => (dir, version: int.TryParse(Path.GetFileName(dir), out var v) ? v : -1))
                .Where(candidate => candidate.version >= 0 && HasServerTools(Path.Combine(candidate.dir, "bin")))
                .OrderByDescending(candidate => candidate.version)
                .Select(candidate => Path.Combine(candidate.dir, "bin"))
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (HasServerTools(dir))
            {
                // Resolve symlinks such as /usr/local/bin/pg_ctl -> /usr/lib/postgresql/15/bin/pg_ctl so the tools come
                // from one installation.
                var target = new FileInfo(Path.Combine(dir, "pg_ctl")).ResolveLinkTarget(returnFinalTarget: true);
                return target is null ? dir : Path.GetDirectoryName(target.FullName);
            }
        }
        return null;
    }

    private static int FindFreePort() => Spotter.Collab.Server.Tests.Infrastructure.TestPorts.Free();

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
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(ServiceUser);
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(fileName);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"Could not start {start.FileName}: {ex.Message}", ex);
        }
        using (process)
        {
            // The server itself writes to its log file (-l), so these pipes close when the tool exits.
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(CommandTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} timed out.");
            }
            if (process.ExitCode != 0)
            {
                var output = await stderr.WaitAsync(TimeSpan.FromSeconds(5)) + await stdout.WaitAsync(TimeSpan.FromSeconds(5));
                throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output}");
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresGroup : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
