using System.Globalization;
using System.Runtime.InteropServices;
using Xunit.Abstractions;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>
/// Nothing the server does blocks a thread-pool worker on file I/O. A server process with one processor (where the
/// pool starts with a single worker, so one blocked worker stalls every socket and grain) carries many co-editing
/// clients on many documents, every edit committed durably, while this test samples which system call each of the
/// server's pool workers is in. The runtime's own starvation signal (thread injections for starvation) does not tell:
/// on the blocking build its hill climbing adds threads before the starvation detector fires. No timing is asserted.
/// </summary>
public sealed class ThreadPoolStarvationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminPassword = "starvation-admin-password";
    private const int Documents = 20;
    private const int ClientsPerDocument = 3;
    private const int Rounds = 40;

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("spotter-starvation-");
    private ServerProcess? _server;

    public async Task InitializeAsync()
    {
        _server = ServerProcess.Start("web", ServerProcess.ReleaseDll("WebHost", "Spotter.Collab.WebHost"), ServerProcess.FreePort(),
            new Dictionary<string, string>
            {
                ["Storage:DataDirectory"] = _data.FullName,
                ["Orleans:SiloPort"] = ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture),
                ["Orleans:GatewayPort"] = ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture),
                ["SPOTTER_ADMIN_PASSWORD"] = AdminPassword,
            },
            new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = "1" });
        await _server.WaitReadyAsync(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task Co_editing_on_one_processor_never_blocks_a_pool_worker_on_file_io()
    {
        var host = _server!.BaseAddress;
        var adminToken = await ClusterApi.LoginAsync(host, "admin", AdminPassword);
        var tokens = new List<string>();
        for (var user = 0; user < ClientsPerDocument; user++) tokens.Add(await ClusterApi.CreateUserAsync(host, adminToken, $"editor{user}"));
        var clients = new List<EditorClient>();
        try
        {
            for (var d = 0; d < Documents; d++)
            {
                var docId = await ClusterApi.CreateDocumentAsync(host, tokens[0]);
                for (var user = 1; user < ClientsPerDocument; user++)
                {
                    await ClusterApi.SendAsync(host, tokens[0], HttpMethod.Put, $"/api/docs/{docId}/members/editor{user}", new { role = "editor" });
                }
                for (var user = 0; user < ClientsPerDocument; user++)
                {
                    clients.Add(new EditorClient($"d{d}u{user}", [host], 0, tokens[user], docId, (ulong)(1000 + clients.Count)));
                }
            }
            await Task.WhenAll(clients.Select(c => c.ConnectAsync()));
            // Warm-up: every document activated, loaded and written once before the pool is watched.
            await EditRoundAsync(clients, 0);

            var sampler = PoolWorkerSampler.Start(_server.ProcessId);
            for (var round = 1; round <= Rounds; round++) await EditRoundAsync(clients, round);
            var (samples, workers, inFileIo) = await sampler.StopAsync();

            var found = string.Join(", ", inFileIo.Select(kv => $"{kv.Key} x{kv.Value}"));
            output.WriteLine($"{samples} samples of {workers} pool workers; in file I/O: {(found.Length == 0 ? "never" : found)}");
            Assert.True(samples > 100 && workers > 0, $"the sampler saw {workers} pool workers in {samples} samples");
            Assert.True(inFileIo.Count == 0, $"thread-pool workers were sampled blocked in file I/O: {found}");
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    /// <summary>Every client inserts one token at once (all documents co-edited concurrently); each edit is
    /// acknowledged durable by the server before the round ends.</summary>
    private static async Task EditRoundAsync(List<EditorClient> clients, int round)
    {
        var random = new Random(round);
        var acknowledged = await Task.WhenAll(clients.Select(c => c.EditAsync($"[{c.Name}:{round}]", random)));
        Assert.All(acknowledged, Assert.True);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        try
        {
            _data.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held by the exiting server: the temp directory is left behind.
        }
    }

    /// <summary>
    /// Samples, from outside, which system call each thread-pool worker of a process is in (Linux /proc/PID/task/*/
    /// syscall; the runtime names its workers ".NET TP Worker"). A worker found inside file I/O (read, write, sync of
    /// a file) is a pool thread blocked on synchronous I/O. Idle workers wait in futex; sockets are non-blocking.
    /// </summary>
    private sealed class PoolWorkerSampler
    {
        private readonly string _tasks;
        private readonly Dictionary<int, string> _fileIo;
        private readonly Dictionary<string, int> _blocked = [];
        private readonly Task _sampling;
        private int _samples;
        private int _workersSeen;
        private volatile bool _stopped;

        private PoolWorkerSampler(int processId)
        {
            _tasks = $"/proc/{processId}/task";
            _fileIo = RuntimeInformation.OSArchitecture == Architecture.Arm64
                ? new Dictionary<int, string> { [67] = "pread64", [68] = "pwrite64", [82] = "fsync", [83] = "fdatasync" }
                : new Dictionary<int, string> { [17] = "pread64", [18] = "pwrite64", [74] = "fsync", [75] = "fdatasync" };
            _sampling = Task.Factory.StartNew(Sample, TaskCreationOptions.LongRunning);
        }

        public static PoolWorkerSampler Start(int processId) => new(processId);

        private void Sample()
        {
            var workers = new HashSet<string>();
            while (!_stopped)
            {
                foreach (var task in Directory.EnumerateDirectories(_tasks))
                {
                    string comm, syscall;
                    try
                    {
                        comm = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
                        if (!comm.StartsWith(".NET TP Worker", StringComparison.Ordinal)) continue;
                        syscall = File.ReadAllText(Path.Combine(task, "syscall"));
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        continue; // the thread exited meanwhile
                    }
                    workers.Add(task);
                    var number = syscall.Split(' ', 2)[0];
                    if (int.TryParse(number, CultureInfo.InvariantCulture, out var call) && _fileIo.TryGetValue(call, out var name))
                    {
                        _blocked[name] = _blocked.GetValueOrDefault(name) + 1;
                    }
                }
                _samples++;
                _workersSeen = workers.Count;
                Thread.Sleep(1);
            }
        }

        public async Task<(int Samples, int Workers, IReadOnlyDictionary<string, int> InFileIo)> StopAsync()
        {
            _stopped = true;
            await _sampling;
            return (_samples, _workersSeen, _blocked);
        }
    }
}
