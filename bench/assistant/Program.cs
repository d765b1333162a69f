using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Spotter.Collab.StoreBench;

// Knowledge assistant (docs/benchmarks.md, "Knowledge assistant"):
//   dotnet bench/assistant/bin/Release/net10.0/Spotter.Collab.AssistantBench.dll [--pages 20000] [--questions 200] [--writers 8]
// Starts the web host (embedded silo, SQLite), seeds a wiki through the HTTP API (pages of three sections of words
// drawn from a fixed vocabulary, each page with a word of its own; one page in a hundred in a space a reader may
// view, the rest in a space only the owner reads), waits until the index has every page, then asks --questions
// questions (about a random page's section, one after another) as the owner (reads every page) and as the reader
// (reads 1 %), and reports extractive answer p50/p99, the found rate and the server's CPU per question. One JSON
// line per asker on stdout, progress on stderr. Latencies on a loaded machine are indicative only.
var pages = Option("--pages", 20_000);
var questions = Option("--questions", 200);
var writers = Option("--writers", 8);
const string AdminPassword = "assistant-bench-admin-password";
const string ReaderPassword = "assistant-bench-reader-password";

var root = RepositoryRoot();
var dataDirectory = Directory.CreateTempSubdirectory("spotter-assistant-").FullName;
Console.Error.WriteLine($"== load average before: {LoadAverage()}");
try
{
    await using var web = ServerProcess.Start("web", ServerProcess.ReleaseDll(root, "WebHost", "Spotter.Collab.WebHost"), new Dictionary<string, string>
    {
        ["Storage:DataDirectory"] = dataDirectory,
        ["Orleans:SiloPort"] = ThrowawayPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
        ["Orleans:GatewayPort"] = ThrowawayPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
        ["SPOTTER_ADMIN_PASSWORD"] = AdminPassword,
        ["Auth:PasswordIterations"] = "10000",
        ["Auth:AccessTokenLifetime"] = "12:00:00",
        ["Logging:LogLevel:Default"] = "Warning",
    });
    await web.WaitReadyAsync(TimeSpan.FromSeconds(120));
    using var admin = await SignInAsync(web.BaseAddress, "admin", AdminPassword);
    await Json(await admin.PostAsJsonAsync("/api/admin/users", new { username = "reader", password = ReaderPassword, displayName = "Reader", kind = "employee" }));
    using var reader = await SignInAsync(web.BaseAddress, "reader", ReaderPassword);
    var wiki = (await Json(await admin.PostAsJsonAsync("/api/spaces", new { name = "Wiki" }))).GetProperty("id").GetString()!;
    var shared = (await Json(await admin.PostAsJsonAsync("/api/spaces", new { name = "Shared" }))).GetProperty("id").GetString()!;
    await Json(await admin.PostAsJsonAsync($"/api/resources/{shared}/grants", new { principal = "user:reader", level = "view" }));

    // Seed.
    var seeded = Stopwatch.StartNew();
    var next = -1;
    var contents = new (string Id, Page Page)[pages];
    await Task.WhenAll(Enumerable.Range(0, writers).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < pages)
        {
            var page = Page.Make(i);
            var space = i % 100 == 0 ? shared : wiki;
            var id = (await Json(await admin.PostAsJsonAsync("/api/pages", new { spaceId = space, title = page.Title }))).GetProperty("id").GetString()!;
            var imported = await admin.PostAsync($"/api/docs/{id}/import", new StringContent(page.Markdown, Encoding.UTF8, "text/markdown"));
            if (!imported.IsSuccessStatusCode) throw new InvalidOperationException($"import {id}: {(int)imported.StatusCode}");
            contents[i] = (id, page);
            if ((i + 1) % 1000 == 0) Console.Error.WriteLine($"   {i + 1} pages, {seeded.Elapsed.TotalSeconds:F0} s, load {LoadAverage()}");
        }
    }));
    Console.Error.WriteLine($"== seeded {pages} pages in {seeded.Elapsed.TotalSeconds:F0} s");
    var lastWord = contents[^1].Page.Word;
    while ((await Json(await admin.GetAsync($"/api/search?q={lastWord}"))).GetArrayLength() == 0) await Task.Delay(500);
    await Task.Delay(TimeSpan.FromSeconds(5));
    Console.Error.WriteLine($"== indexed after {seeded.Elapsed.TotalSeconds:F0} s");

    // Questions about random pages' sections; the reader's are about pages it may read half the time.
    var random = new Random(7);
    var asked = Enumerable.Range(0, questions).Select(q =>
    {
        var index = q % 2 == 0 ? random.Next(pages / 100) * 100 : random.Next(pages);
        var page = contents[index].Page;
        var section = random.Next(page.Sections.Count);
        return (Question: page.Question(section), PageId: contents[index].Id);
    }).ToList();
    foreach (var (label, client) in new[] { ("owner reads 100 %", admin), ("reader reads 1 %", reader) })
    {
        // Warm-up: activations of the pages and the JIT.
        foreach (var (question, _) in asked.Take(20)) await AskAsync(client, question);
        var latencies = new List<double>(asked.Count);
        var found = 0;
        var cited = 0;
        var cpuBefore = web.CpuSeconds;
        var load = LoadAverage();
        foreach (var (question, pageId) in asked)
        {
            var watch = Stopwatch.StartNew();
            var answer = await AskAsync(client, question);
            latencies.Add(watch.Elapsed.TotalMilliseconds);
            if (answer.GetProperty("found").GetBoolean()) found++;
            if (answer.GetProperty("citations").EnumerateArray().Any(c => c.GetProperty("pageId").GetString() == pageId)) cited++;
        }
        var cpu = web.CpuSeconds - cpuBefore;
        latencies.Sort();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            bench = "assistant",
            asker = label,
            pages,
            questions = asked.Count,
            p50_ms = Math.Round(Percentile(latencies, 0.50), 1),
            p99_ms = Math.Round(Percentile(latencies, 0.99), 1),
            found_rate = Math.Round((double)found / asked.Count, 3),
            cited_expected_page = Math.Round((double)cited / asked.Count, 3),
            server_cpu_ms_per_question = Math.Round(cpu * 1000 / asked.Count, 1),
            load_average = load,
            date = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
        }));
    }
}
finally
{
    Directory.Delete(dataDirectory, recursive: true);
}
Console.Error.WriteLine($"== load average after: {LoadAverage()}");
return 0;

static async Task<JsonElement> AskAsync(HttpClient client, string question) =>
    await Json(await client.PostAsJsonAsync("/api/assistant/ask", new { question }));

static async Task<HttpClient> SignInAsync(Uri baseAddress, string username, string password)
{
    var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };
    var token = (await Json(await client.PostAsJsonAsync("/api/auth/login", new { username, password }))).GetProperty("token").GetString();
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    return client;
}

static async Task<JsonElement> Json(HttpResponseMessage response)
{
    var body = await response.Content.ReadAsStringAsync();
    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {body}");
    using var json = JsonDocument.Parse(body);
    return json.RootElement.Clone();
}

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Spotter.Collab.sln"))) return dir.FullName;
    }
    throw new InvalidOperationException("repository root (Spotter.Collab.sln) not found above " + AppContext.BaseDirectory);
}

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

/// <summary>A generated page: a title, three sections of vocabulary words, and a word no other page has.</summary>
internal sealed record Page(string Title, string Word, IReadOnlyList<(string Heading, string[] Words)> Sections)
{
    private static readonly string[] Vocabulary =
    [
        "invoice", "supplier", "warehouse", "laptop", "badge", "printer", "meeting", "contract", "budget", "travel",
        "hotel", "flight", "parking", "visitor", "password", "network", "server", "backup", "release", "customer",
        "refund", "shipment", "customs", "payroll", "holiday", "training", "safety", "kitchen", "cleaning", "security",
        "报销", "发票", "供应商", "仓库", "合同", "预算", "出差", "酒店", "机票", "停车", "访客", "密码", "网络", "备份",
        "客户", "退款", "物流", "海关", "工资", "假期", "培训", "安全", "会议", "打印机", "门禁", "快递", "班车", "邮箱",
    ];

    public string Markdown => string.Join("\n\n", Sections.Select((s, i) =>
        $"# {s.Heading}\n\n{string.Join(' ', s.Words)} {(i == 0 ? Word : "")}. {string.Join(' ', s.Words.Reverse())}."));

    /// <summary>A question about one section: its heading's word and three of its words, plus the page's own word.</summary>
    public string Question(int section) => $"What about {Sections[section].Heading} {string.Join(' ', Sections[section].Words.Take(3))} {Word}?";

    public static Page Make(int index)
    {
        var random = new Random(index);
        var word = "w" + string.Concat(index.ToString("D6", CultureInfo.InvariantCulture).Select(c => (char)('a' + (c - '0'))));
        var sections = Enumerable.Range(0, 3).Select(_ => (Vocabulary[random.Next(Vocabulary.Length)], Enumerable.Range(0, 12).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]).ToArray())).ToList();
        return new Page($"Page {index} {word}", word, sections);
    }
}
