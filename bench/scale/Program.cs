using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Data.Sqlite;
using Npgsql;
using Spotter.Collab.StoreBench;

// Access model at scale (docs/benchmarks.md, "Access model at scale"):
//   dotnet bench/scale/bin/Release/net10.0/Spotter.Collab.ScaleBench.dll [--pages 10000] [--stores sqlite,postgres]
//       [--users 2000] [--departments 100] [--groups 100] [--partners 20] [--spaces 100] [--creators 4] [--joins 200]
//       [--servers DIR]   (DIR/src/{WebHost,Silo}/bin/Release/net10.0: a copy of the builds, e.g. of another commit)
// Builds an organisation through the HTTP API of a real server (web host with embedded silo on SQLite; silo + web
// host on a throwaway PostgreSQL) and reports, at 1k, 10k, 50k and 100k pages up to --pages: page create p50/p99
// and rate over the last 1,000 creates, the servers' CPU per create, JoinDocument p50/p99 over the hub, GET tree of
// the big space, the persisted size of the access state and the resident memory of the process holding the model;
// on SQLite, after the last checkpoint, the web host is restarted on the same data and its first two joins are timed.
// One JSON line per checkpoint on stdout, progress on stderr.
var settings = ScaleSettings.Parse(args);
var root = settings.Servers ?? RepositoryRoot();
Console.Error.WriteLine($"== load average before: {LoadAverage()}");
ThrowawayPostgres? postgres = null;
try
{
    foreach (var store in settings.Stores)
    {
        if (store == "sqlite")
        {
            var dataDirectory = Directory.CreateTempSubdirectory("spotter-scale-").FullName;
            try
            {
                var webSettings = new Dictionary<string, string>
                {
                    ["Storage:DataDirectory"] = dataDirectory,
                    ["Orleans:SiloPort"] = ThrowawayPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
                    ["Orleans:GatewayPort"] = ThrowawayPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
                    ["SPOTTER_ADMIN_PASSWORD"] = ScaleRun.AdminPassword,
                    ["Auth:PasswordIterations"] = "10000",
                    // A large organisation takes longer to build than an access token lives.
                    ["Auth:AccessTokenLifetime"] = "12:00:00",
                    // Joins of pages the user may not see are refused and timed too; they must not close the connection.
                    ["Collab:Hub:MaxRefusals"] = "1000000",
                    ["Logging:LogLevel:Default"] = "Warning",
                };
                var web = ServerProcess.Start("web", ServerProcess.ReleaseDll(root, "WebHost", "Spotter.Collab.WebHost"), webSettings);
                await web.WaitReadyAsync(TimeSpan.FromSeconds(120));
                var path = Path.Combine(dataDirectory, "spotter.db");
                using var run = new ScaleRun(settings, "sqlite", web.BaseAddress, () => AccessStateSize.Sqlite(path), web);
                await run.RunAsync();
                // A restart on the same data: the first join loads the whole access model (and activates the page).
                await web.DisposeAsync();
                var restartedAt = Stopwatch.StartNew();
                await using var restarted = ServerProcess.Start("web", ServerProcess.ReleaseDll(root, "WebHost", "Spotter.Collab.WebHost"), webSettings);
                await restarted.WaitReadyAsync(TimeSpan.FromSeconds(120));
                var ready = restartedAt.Elapsed.TotalMilliseconds;
                var firstJoin = await run.FirstJoinAsync(restarted.BaseAddress);
                Console.WriteLine(new System.Text.Json.Nodes.JsonObject
                {
                    ["store"] = "sqlite",
                    ["pages"] = settings.Pages,
                    ["restartReadyMs"] = Math.Round(ready),
                    ["restartFirstJoinMs"] = Math.Round(firstJoin.First, 1),
                    ["restartSecondJoinMs"] = Math.Round(firstJoin.Second, 1),
                    ["modelHostRssBytes"] = ScaleRun.ResidentBytes(restarted.ProcessId),
                    ["loadAverage"] = LoadAverage(),
                }.ToJsonString());
            }
            finally
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
        else if (store == "postgres")
        {
            postgres ??= await ThrowawayPostgres.StartAsync();
            var connectionString = await postgres.CreateDatabaseAsync("scale");
            var clusterId = "scale-" + Guid.NewGuid().ToString("N")[..8];
            await using var silo = ServerProcess.Start("silo", ServerProcess.ReleaseDll(root, "Silo", "Spotter.Collab.Silo"), new Dictionary<string, string>
            {
                ["ConnectionStrings:Postgres"] = connectionString,
                ["Storage:Kind"] = "postgres",
                ["Orleans:ClusterId"] = clusterId,
                ["Orleans:SiloPort"] = ThrowawayPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
                ["Orleans:GatewayPort"] = ThrowawayPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
                ["Orleans:AdvertisedIP"] = "127.0.0.1",
                ["Auth:PasswordIterations"] = "10000",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            await silo.WaitReadyAsync(TimeSpan.FromSeconds(120));
            await using var web = ServerProcess.Start("web", ServerProcess.ReleaseDll(root, "WebHost", "Spotter.Collab.WebHost"), new Dictionary<string, string>
            {
                ["Cluster:Mode"] = "client",
                ["ConnectionStrings:Postgres"] = connectionString,
                ["Orleans:ClusterId"] = clusterId,
                ["SPOTTER_ADMIN_PASSWORD"] = ScaleRun.AdminPassword,
                ["Collab:Hub:MaxRefusals"] = "1000000",
                ["Auth:AccessTokenLifetime"] = "12:00:00",
                ["Auth:SigningKeys:0"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)),
                ["Logging:LogLevel:Default"] = "Warning",
            });
            await web.WaitReadyAsync(TimeSpan.FromSeconds(120));
            using var run = new ScaleRun(settings, "postgres", web.BaseAddress, () => AccessStateSize.Postgres(connectionString), silo, web);
            await run.RunAsync();
        }
        else
        {
            throw new ArgumentException($"unknown store '{store}' (sqlite, postgres)");
        }
    }
}
finally
{
    if (postgres is not null) await postgres.DisposeAsync();
}
Console.Error.WriteLine($"== load average after: {LoadAverage()}");
return 0;

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Spotter.Collab.sln"))) return dir.FullName;
    }
    throw new InvalidOperationException("repository root (Spotter.Collab.sln) not found above " + AppContext.BaseDirectory);
}

internal sealed record ScaleSettings(
    int Pages, IReadOnlyList<string> Stores, int Users, int Departments, int Groups, int Partners, int Spaces, int Creators, int Joins, string? Servers)
{
    public static readonly int[] Checkpoints = [1_000, 10_000, 50_000, 100_000];

    public static ScaleSettings Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected --name value, got '{args[i]}'");
            values[args[i][2..]] = args[i + 1];
        }
        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var stores = values.TryGetValue("stores", out var s) ? s.Split(',', StringSplitOptions.RemoveEmptyEntries) : ["sqlite"];
        return new ScaleSettings(Int("pages", 10_000), stores, Int("users", 2_000), Int("departments", 100), Int("groups", 100),
            Int("partners", 20), Int("spaces", 100), Int("creators", 4), Int("joins", 200), values.GetValueOrDefault("servers"));
    }
}

/// <summary>Bytes the access model occupies in the store (the organisation blob, or the access rows).</summary>
internal static class AccessStateSize
{
    public static long Sqlite(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        connection.Open();
        long total = 0;
        using (var blob = connection.CreateCommand())
        {
            blob.CommandText = "SELECT coalesce(sum(length(data)), 0) FROM grain_state WHERE grain_type = 'organization'";
            total += (long)blob.ExecuteScalar()!;
        }
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'access\\_%' ESCAPE '\\'";
            using var reader = list.ExecuteReader();
            while (reader.Read()) tables.Add(reader.GetString(0));
        }
        foreach (var table in tables)
        {
            var columns = new List<string>();
            using (var info = connection.CreateCommand())
            {
                info.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
                using var reader = info.ExecuteReader();
                while (reader.Read()) columns.Add(reader.GetString(0));
            }
            using var sum = connection.CreateCommand();
            sum.CommandText = $"SELECT coalesce(sum({string.Join(" + ", columns.Select(c => $"coalesce(length(\"{c}\"), 0)"))}), 0) FROM \"{table}\"";
            total += (long)sum.ExecuteScalar()!;
        }
        return total;
    }

    public static long Postgres(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("""
            SELECT coalesce((SELECT sum(octet_length(payload)) FROM orleans_grain_state WHERE grain_type ILIKE '%organization%'), 0)
                 + coalesce((SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                             WHERE c.relkind = 'r' AND n.nspname = 'public' AND c.relname LIKE 'access\_%'), 0)
            """, connection);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}

/// <summary>One organisation built up to <see cref="ScaleSettings.Pages"/> pages on one server.</summary>
/// <remarks><paramref name="modelHost"/> is the process holding the access model (the silo); <paramref name="servers"/>
/// every server process, whose CPU time is charged to the creates.</remarks>
internal sealed class ScaleRun(ScaleSettings settings, string store, Uri server, Func<long> accessStateSize, ServerProcess modelHost, params ServerProcess[] servers) : IDisposable
{
    public const string AdminPassword = "scale-bench-admin-password";
    private const string UserPassword = "scale-bench-user-password";
    private readonly Random _random = new(12345);
    private readonly List<string> _departments = [];
    private readonly List<string> _groups = [];
    private readonly List<string> _partners = [];
    private readonly List<string> _spaces = [];
    private readonly List<string> _employees = [];
    // Pages per space, so new pages nest under existing ones (trees several levels deep).
    private readonly Dictionary<string, List<string>> _pagesBySpace = [];
    private readonly List<string> _allPages = [];
    private readonly List<double> _createMs = [];
    // Server CPU per page create over the last checkpoint (the grants, restrictions and links made alongside included).
    private double _createCpuMs;
    private readonly HttpClient _http = new() { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };

    public void Dispose() => _http.Dispose();

    private double ServerCpuSeconds() => servers.Append(modelHost).Distinct().Sum(s => s.CpuSeconds);

    /// <summary>Resident memory of the process holding the access model (VmRSS).</summary>
    private long ModelHostResidentBytes() => ResidentBytes(modelHost.ProcessId);

    public static long ResidentBytes(int processId)
    {
        var status = $"/proc/{processId}/status";
        if (!File.Exists(status)) return -1;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static void Progress(string line) => Console.Error.WriteLine($"== {DateTime.UtcNow:HH:mm:ss} {line}");

    public async Task RunAsync()
    {
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await LoginAsync("admin", AdminPassword));
        await BuildDirectoryAsync();
        var checkpoints = ScaleSettings.Checkpoints.Where(c => c <= settings.Pages).ToList();
        if (checkpoints.Count == 0 || checkpoints[^1] != settings.Pages) checkpoints.Add(settings.Pages);
        foreach (var checkpoint in checkpoints)
        {
            var started = Stopwatch.StartNew();
            var before = _allPages.Count;
            var cpuBefore = ServerCpuSeconds();
            await CreatePagesAsync(checkpoint - _allPages.Count);
            _createCpuMs = (ServerCpuSeconds() - cpuBefore) * 1000 / (checkpoint - before);
            Progress($"{store}: {checkpoint} pages ({checkpoint - before} in {started.Elapsed.TotalSeconds:F0} s)");
            await ReportAsync(checkpoint);
        }
    }

    private async Task<string> LoginAsync(string username, string password)
    {
        using var http = new HttpClient { BaseAddress = server };
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { username, password });
        login.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await login.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("token").GetString()!;
    }

    private async Task<string> PostForIdAsync(string path, object body)
    {
        using var response = await _http.PostAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("id").GetString()!;
    }

    private async Task SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await _http.SendAsync(request);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static string Name(string prefix, int i) => prefix + i.ToString("D4", CultureInfo.InvariantCulture);

    private async Task BuildDirectoryAsync()
    {
        var started = Stopwatch.StartNew();
        for (var i = 0; i < settings.Partners; i++) _partners.Add(await PostForIdAsync("/api/admin/partners", new { name = Name("Partner ", i) }));
        for (var i = 0; i < settings.Departments; i++)
        {
            // Departments nest: every fifth is a top-level one, the others sit below the latest top-level one.
            var parent = i % 5 == 0 || _departments.Count == 0 ? null : _departments[i - i % 5];
            _departments.Add(await PostForIdAsync("/api/admin/departments", new { name = Name("Department ", i), parentId = parent }));
        }
        for (var i = 0; i < settings.Groups; i++) _groups.Add(await PostForIdAsync("/api/admin/groups", new { name = Name("Group ", i) }));
        // Partner users are one in ten.
        await Parallel.ForAsync(0, settings.Users, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            var username = Name("user", i);
            var partner = i % 10 == 9;
            await PostForIdOrNothingAsync("/api/admin/users", new
            {
                username,
                password = UserPassword,
                displayName = Name("User ", i),
                kind = partner ? "partner" : "employee",
                partnerOrgId = partner ? _partners[i % _partners.Count] : null,
                departmentId = partner ? null : _departments[i % _departments.Count],
            });
            if (!partner)
            {
                await SendAsync(HttpMethod.Put, $"/api/admin/groups/{_groups[i % _groups.Count]}/members/{username}");
                lock (_employees) _employees.Add(username);
            }
        });
        _employees.Sort(StringComparer.Ordinal);
        for (var i = 0; i < settings.Spaces; i++)
        {
            var space = await PostForIdAsync("/api/spaces", new { name = Name("Space ", i) });
            _spaces.Add(space);
            _pagesBySpace[space] = [];
            // Grants at the space level: the whole company views most spaces, departments and groups edit.
            if (i % 4 != 3) await AddGrantAsync(space, "company", "view");
            await AddGrantAsync(space, "department:" + _departments[i % _departments.Count], "edit");
            await AddGrantAsync(space, "group:" + _groups[i % _groups.Count], "comment");
            if (i % 10 == 0) await AddGrantAsync(space, "partner:" + _partners[i / 10 % _partners.Count], "view");
        }
        Progress($"{store}: directory of {settings.Users} users, {settings.Departments} departments, {settings.Groups} groups, {settings.Partners} partners, {settings.Spaces} spaces in {started.Elapsed.TotalSeconds:F0} s");
    }

    private async Task PostForIdOrNothingAsync(string path, object body)
    {
        using var response = await _http.PostAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private Task AddGrantAsync(string resource, string principal, string level) =>
        SendAsync(HttpMethod.Post, $"/api/resources/{resource}/grants", new { principal, level });

    /// <summary>The big space: a twentieth of all pages go to the first space (5,000 at 100,000).</summary>
    private string SpaceFor(int n) => n % 20 == 0 ? _spaces[0] : _spaces[1 + n % (_spaces.Count - 1)];

    private async Task CreatePagesAsync(int count)
    {
        var next = _allPages.Count;
        var target = next + count;
        var gate = new object();
        async Task Creator()
        {
            while (true)
            {
                int n;
                string space;
                string? parent;
                lock (gate)
                {
                    if (next >= target) return;
                    n = next++;
                    space = SpaceFor(n);
                    var pages = _pagesBySpace[space];
                    // Half the pages at the top of their space, the rest below a random earlier page.
                    parent = pages.Count == 0 || _random.Next(2) == 0 ? null : pages[_random.Next(pages.Count)];
                }
                var watch = Stopwatch.StartNew();
                var id = await PostForIdAsync("/api/pages", new { spaceId = space, parentId = parent, title = Name("Page ", n) });
                var ms = watch.Elapsed.TotalMilliseconds;
                lock (gate)
                {
                    _createMs.Add(ms);
                    _pagesBySpace[space].Add(id);
                    _allPages.Add(id);
                }
                // Grants at page level, restricted subtrees, share links (not timed as creates).
                if (n % 50 == 0) await AddGrantAsync(id, "user:" + _employees[n % _employees.Count], "edit");
                if (n % 50 == 25) await AddGrantAsync(id, "group:" + _groups[n % _groups.Count], "view");
                if (n % 200 == 7) await SendAsync(HttpMethod.Patch, $"/api/resources/{id}/settings", new { restricted = true });
                if (n % 100 == 3) await SendAsync(HttpMethod.Post, $"/api/resources/{id}/links", new { scope = "company", role = "view" });
            }
        }
        await Task.WhenAll(Enumerable.Range(0, settings.Creators).Select(_ => Task.Run(Creator)));
    }

    private async Task ReportAsync(int pages)
    {
        var window = _createMs.TakeLast(Math.Min(1_000, _createMs.Count)).ToList();
        var creates = Summary(window);
        var rate = window.Count / window.Sum() * 1000 * settings.Creators;
        var joins = await MeasureJoinsAsync();
        var tree = await MeasureTreeAsync();
        var size = accessStateSize();
        var line = new JsonObject
        {
            ["store"] = store,
            ["pages"] = pages,
            ["createP50Ms"] = Round(creates.P50),
            ["createP99Ms"] = Round(creates.P99),
            ["createsPerSecond"] = Round(rate),
            ["createServerCpuMs"] = Math.Round(_createCpuMs, 2),
            ["joinP50Ms"] = Round(joins.P50),
            ["joinP99Ms"] = Round(joins.P99),
            ["treePages"] = tree.Pages,
            ["treeMedianMs"] = Round(tree.MedianMs),
            ["accessStateBytes"] = size,
            ["modelHostRssBytes"] = ModelHostResidentBytes(),
            ["loadAverage"] = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?",
        };
        Console.WriteLine(line.ToJsonString());
    }

    private static double Round(double value) => Math.Round(value, 1);

    private static (double P50, double P99) Summary(List<double> samples)
    {
        if (samples.Count == 0) return (0, 0);
        var sorted = samples.Order().ToList();
        double At(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        return (At(0.50), At(0.99));
    }

    /// <summary>The first and second JoinDocument on a freshly started server (two different readable pages, each
    /// the first join of its page): the first loads the access model.</summary>
    public async Task<(double First, double Second)> FirstJoinAsync(Uri restarted)
    {
        var user = _employees[0];
        using var http = new HttpClient { BaseAddress = restarted };
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { username = user, password = UserPassword });
        login.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await login.Content.ReadAsStringAsync());
        var token = json.RootElement.GetProperty("token").GetString()!;
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(restarted, "/hubs/collab"), HttpTransportType.WebSockets, options =>
            {
                options.SkipNegotiation = true;
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .AddMessagePackProtocol()
            .Build();
        connection.On<string, byte[]>("Receive", (_, _) => { });
        await connection.StartAsync();
        // Pages of the big space, which the whole company may view.
        var pages = _pagesBySpace[_spaces[0]];
        var samples = new List<double>();
        foreach (var page in new[] { pages[^1], pages[pages.Count / 2] })
        {
            var watch = Stopwatch.StartNew();
            try
            {
                await connection.InvokeAsync<Dictionary<string, string>>("JoinDocument", page);
            }
            catch (HubException)
            {
                // A page under a restricted one is refused; the decision is what is timed.
            }
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        return (samples[0], samples[1]);
    }

    /// <summary>An employee joins pages chosen at random over the hub (MessagePack, like the web client), one after another.</summary>
    private async Task<(double P50, double P99)> MeasureJoinsAsync()
    {
        var user = _employees[0];
        var token = await LoginAsync(user, UserPassword);
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server, "/hubs/collab"), HttpTransportType.WebSockets, options =>
            {
                options.SkipNegotiation = true;
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .AddMessagePackProtocol()
            .Build();
        connection.On<string, byte[]>("Receive", (_, _) => { });
        connection.Closed += error =>
        {
            if (error is not null) Progress($"hub connection closed: {error.Message}");
            return Task.CompletedTask;
        };
        await connection.StartAsync();
        var samples = new List<double>();
        for (var i = 0; i < settings.Joins; i++)
        {
            var page = _allPages[_random.Next(_allPages.Count)];
            var watch = Stopwatch.StartNew();
            try
            {
                await connection.InvokeAsync<Dictionary<string, string>>("JoinDocument", page);
            }
            catch (HubException)
            {
                // "forbidden": the page is in a space or restricted subtree the user cannot see; it is timed too.
            }
            samples.Add(watch.Elapsed.TotalMilliseconds);
            await connection.InvokeAsync("LeaveDocument", page);
        }
        return Summary(samples);
    }

    /// <summary>GET the tree of the big space as an employee of the company, median of five.</summary>
    private async Task<(int Pages, double MedianMs)> MeasureTreeAsync()
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await LoginAsync(_employees[1], UserPassword));
        var samples = new List<double>();
        var nodes = 0;
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await http.GetAsync(new Uri($"/api/spaces/{_spaces[0]}/tree", UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();
            samples.Add(watch.Elapsed.TotalMilliseconds);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"tree: {(int)response.StatusCode} {body}");
            using var json = JsonDocument.Parse(body);
            nodes = json.RootElement.TryGetProperty("pages", out var list) ? list.GetArrayLength() : -1;
        }
        samples.Sort();
        return (nodes, samples[2]);
    }
}
