using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>A silo or web host started from its Release build as a separate <c>dotnet</c> process.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServerProcess(string name, Process process, int httpPort)
    {
        Name = name;
        _process = process;
        HttpPort = httpPort;
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}");
    }

    public string Name { get; }
    public int HttpPort { get; }
    public Uri BaseAddress { get; }
    public bool HasExited => _process.HasExited;
    public int ProcessId => _process.Id;

    /// <summary>Last lines the process printed (for failure messages).</summary>
    public string RecentOutput => string.Join('\n', _output.TakeLast(60));

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Spotter.Collab.sln"))) return dir.FullName;
            }
            throw new InvalidOperationException("Spotter.Collab.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Path of a Release build output; a clear error if it was not built (./build.sh builds Release first).</summary>
    public static string ReleaseDll(string project, string assembly)
    {
        var path = Path.Combine(RepositoryRoot, "src", project, "bin", "Release", "net10.0", assembly + ".dll");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: build it first with `dotnet build src/{project} -c Release` (./build.sh test does).");
    }

    public static ServerProcess Start(string name, string dll, int httpPort, IReadOnlyDictionary<string, string> settings,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{httpPort}");
        foreach (var (key, value) in settings) start.ArgumentList.Add($"--{key}={value}");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + dll);
        var server = new ServerProcess(name, process, httpPort);
        process.OutputDataReceived += (_, e) => server.Record(e.Data);
        process.ErrorDataReceived += (_, e) => server.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits until GET <paramref name="path"/> answers 200.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, string path = "/readyz")
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(3) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{RecentOutput}");
            try
            {
                using var response = await http.GetAsync(path);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name} not ready after {timeout}:\n{RecentOutput}");
    }

    /// <summary>SIGTERM (a graceful stop, as an orchestrator does it); returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        await TerminateAsync();
        return await WaitForExitAsync(timeout);
    }

    /// <summary>Sends SIGTERM and returns once it is delivered, without waiting for the exit.</summary>
    public async Task TerminateAsync()
    {
        using var signal = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await signal.WaitForExitAsync();
    }

    /// <summary>The exit code, once the process has exited.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>GET <paramref name="path"/>: status code and body, or a null status when nothing answers.</summary>
    public async Task<(int? Status, string Body)> ProbeAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(path);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (null, ex.Message);
        }
    }

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public static int FreePort() => Spotter.Collab.Server.Tests.Infrastructure.TestPorts.Free();

    private void Record(string? line)
    {
        if (line is null) return;
        _output.Enqueue($"[{Name}] {line}");
        while (_output.Count > 400) _output.TryDequeue(out _);
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
