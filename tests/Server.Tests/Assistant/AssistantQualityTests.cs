using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Spotter.Collab.Server.Tests.Assistant;

/// <summary>
/// The quality set (quality-set.json: a seeded wiki of English and Chinese pages and at least 40 questions, half
/// Chinese, each with the page and heading that answers it and a phrase the answer must hold), asked through the
/// public API. Hit: found, and the answer holds the phrase. Citation accuracy: the first citation is the expected
/// page and heading path. The figures are in docs/benchmarks.md; the floors below keep them from sliding.
/// </summary>
public sealed class AssistantQualityTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const double HitRateFloor = 0.9;
    private const double CitationAccuracyFloor = 0.9;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly TempDirectory _directory = new();
    private CollabTestServer _server = null!;

    public async Task InitializeAsync() => _server = await CollabTestServer.StartAsync(_directory.Path,
        new Dictionary<string, string> { ["KnowledgeBase:IndexDelay"] = "00:00:00.200" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _directory.Dispose();

    private sealed record QualityPage(string Title, string Markdown);

    private sealed record QualityQuestion(string Question, string Page, string Heading, string Expect);

    private sealed record QualitySet(List<QualityPage> Pages, List<QualityQuestion> Questions);

    [Fact]
    public async Task The_quality_set_is_answered_with_the_right_sections()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Assistant", "quality-set.json");
        var set = JsonSerializer.Deserialize<QualitySet>(await File.ReadAllTextAsync(path), Web)!;
        Assert.True(set.Questions.Count >= 40);
        Assert.True(set.Questions.Count(q => q.Question.Any(c => c is >= '\u4E00' and <= '\u9FFF')) * 2 >= set.Questions.Count, "half the questions are Chinese");

        using var kit = new AccessKit(_server);
        var (_, token) = await kit.UserAsync("qa");
        using var http = _server.Client(token);
        var space = await kit.SpaceAsync(token, "Handbook");
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var page in set.Pages)
        {
            var id = await kit.PageAsync(token, space, title: page.Title);
            ids[page.Title] = id;
            Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/docs/{id}/import", new StringContent(page.Markdown, Encoding.UTF8, "text/markdown"))).StatusCode);
        }
        await Eventually.HoldsAsync(async () => (await AccessKit.JsonAsync(await http.GetAsync("/api/search?q=" + Uri.EscapeDataString("试用期")))).GetArrayLength() == 1
            && (await AccessKit.JsonAsync(await http.GetAsync("/api/search?q=probation"))).GetArrayLength() == 1, "the wiki is indexed", TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(1)); // the last pages' batch

        var results = new List<(QualityQuestion Question, bool Hit, bool Cited)>();
        foreach (var question in set.Questions)
        {
            var answer = await AccessKit.JsonAsync(await http.PostAsJsonAsync("/api/assistant/ask", new { question = question.Question }));
            var found = answer.GetProperty("found").GetBoolean();
            var text = answer.GetProperty("answer").GetString()!;
            var hit = found && text.Contains(question.Expect, StringComparison.Ordinal);
            var first = found ? answer.GetProperty("citations")[0] : default;
            var cited = found && first.GetProperty("pageId").GetString() == ids[question.Page] && first.GetProperty("heading").GetString() == question.Heading;
            results.Add((question, hit, cited));
            if (!hit || !cited) output.WriteLine($"miss: {question.Question} → found={found} cited={(found ? first.GetProperty("title") + " / " + first.GetProperty("heading") : "-")} answer={text}");
        }
        foreach (var (label, subset) in new[] { ("all", results), ("english", results.Where(r => !IsChinese(r.Question.Question)).ToList()), ("chinese", results.Where(r => IsChinese(r.Question.Question)).ToList()) })
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"assistant quality {label}: questions={subset.Count} hit_rate={Rate(subset.Count(r => r.Hit), subset.Count):F3} citation_accuracy={Rate(subset.Count(r => r.Cited), subset.Count):F3}"));
        }
        Assert.True(Rate(results.Count(r => r.Hit), results.Count) >= HitRateFloor, "hit rate below the floor");
        Assert.True(Rate(results.Count(r => r.Cited), results.Count) >= CitationAccuracyFloor, "citation accuracy below the floor");
    }

    private static bool IsChinese(string text) => text.Any(c => c is >= '\u4E00' and <= '\u9FFF');

    private static double Rate(int count, int total) => total == 0 ? 0 : (double)count / total;
}
