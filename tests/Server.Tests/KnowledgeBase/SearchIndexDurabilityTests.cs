using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Spotter.Collab.Crdt;
using Spotter.Collab.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Spotter.Collab.Server.Tests.KnowledgeBase;

public sealed class SearchIndexDurabilityTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    private static async Task<List<string>> SearchAsync(HttpClient http, string query)
    {
        using var json = JsonDocument.Parse(await http.GetStringAsync("/api/search?q=" + Uri.EscapeDataString(query)));
        return json.RootElement.EnumerateArray().Select(h => h.GetProperty("id").GetString()!).ToList();
    }

    [Fact]
    public async Task The_index_is_rebuilt_from_the_store_after_a_restart_and_new_pages_are_found_by_title()
    {
        var settings = new Dictionary<string, string> { ["KnowledgeBase:IndexDelay"] = "00:00:00.100" };
        string docId, titleOnly, token;
        await using (var server = await CollabTestServer.StartAsync(_directory.Path, settings))
        {
            token = await server.CreateUserAsync("writer", "Writer");
            using var http = server.Client(token);
            docId = await server.CreateDocumentAsync(token, "Onboarding");
            // Created but never edited: still found by its title.
            titleOnly = await server.CreateDocumentAsync(token, "Quarterly 供应商 review");
            var import = await http.PostAsync($"/api/docs/{docId}/import", new StringContent("Badge pickup at the 前台 desk.\n", Encoding.UTF8, "text/markdown"));
            import.EnsureSuccessStatusCode();
            await Eventually.HoldsAsync(async () => (await SearchAsync(http, "badge")).Contains(docId), "the page is indexed", TimeSpan.FromSeconds(5));
            Assert.Equal([docId], await SearchAsync(http, "前台"));
            await Eventually.HoldsAsync(async () => (await SearchAsync(http, "供应商")).Contains(titleOnly), "the new page is indexed by title", TimeSpan.FromSeconds(5));
        }

        await using (var server = await CollabTestServer.StartAsync(_directory.Path, settings))
        {
            using var http = server.Client(await server.LoginAsync("writer", CollabTestServer.UserPassword));
            // No edit after the restart: the search grain rebuilt its index from the search_documents table.
            Assert.Equal([docId], await SearchAsync(http, "前台"));
            Assert.Equal([titleOnly], await SearchAsync(http, "quarterly"));
        }
    }

    /// <summary>Pages indexed at the same moment share batches (one store transaction each): every one of them is
    /// searchable, and still is after a restart rebuilt the index from the store.</summary>
    [Fact]
    public async Task Many_pages_indexed_at_once_are_all_found_and_survive_a_restart()
    {
        var settings = new Dictionary<string, string> { ["KnowledgeBase:IndexDelay"] = "00:00:00.100" };
        const int Pages = 16; // within one page of search results
        var marker = "batch" + Guid.NewGuid().ToString("N")[..8];
        List<string> docIds;
        await using (var server = await CollabTestServer.StartAsync(_directory.Path, settings))
        {
            var token = await server.CreateUserAsync("writer", "Writer");
            using var http = server.Client(token);
            docIds = [.. await Task.WhenAll(Enumerable.Range(0, Pages).Select(i => server.CreateDocumentAsync(token, $"Page {i}")))];
            await Task.WhenAll(docIds.Select(async id =>
            {
                using var import = await http.PostAsync($"/api/docs/{id}/import", new StringContent($"{marker} 仓库 {id}\n", Encoding.UTF8, "text/markdown"));
                import.EnsureSuccessStatusCode();
            }));
            await Eventually.HoldsAsync(async () => (await SearchAsync(http, marker)).Count == Pages, "every page is indexed", TimeSpan.FromSeconds(10));
        }

        await using (var server = await CollabTestServer.StartAsync(_directory.Path, settings))
        {
            using var http = server.Client(await server.LoginAsync("writer", CollabTestServer.UserPassword));
            Assert.Equal(docIds.Order(), (await SearchAsync(http, marker)).Order());
        }
    }

    /// <summary>The freshness promise (an edit is searchable within 5 s) with the shipped settings: the default
    /// re-index delay and a server that just started, so the index may still be warming up.</summary>
    [Fact]
    public async Task A_live_edit_is_found_within_five_seconds_with_the_default_settings()
    {
        await using var server = await CollabTestServer.StartAsync(_directory.Path, new Dictionary<string, string>());
        var token = await server.CreateUserAsync("typist", "Typist");
        using var http = server.Client(token);
        var docId = await server.CreateDocumentAsync(token, "Freshness");
        await using var client = await server.ConnectAsync(token, messagePack: true);
        var doc = new SyncedDoc();
        client.Attach(docId, doc);
        await client.JoinAsync(docId);
        var marker = "fresh" + Guid.NewGuid().ToString("N")[..8];
        // Send returns once the edit is durable: the clock starts at the acknowledgement a typist would see.
        await client.SendAsync(docId, doc.Edit(d =>
        {
            var paragraph = new YXmlElement("paragraph");
            paragraph.Insert(0, [new YXmlText($"仓库盘点 {marker}")]);
            d.GetXmlFragment("default").Insert(0, [paragraph]);
        })!);
        var watch = Stopwatch.StartNew();
        await Eventually.HoldsAsync(async () => (await SearchAsync(http, "盘点 " + marker)).Contains(docId), "the edit is searchable", TimeSpan.FromSeconds(5));
        output.WriteLine($"acknowledged edit → search hit: {watch.ElapsedMilliseconds} ms");
    }

    public void Dispose() => _directory.Dispose();
}
