using System.Diagnostics;
using System.Text.Json;
using Spotter.Collab.Grains.KnowledgeBase.Content;

namespace Spotter.Collab.Server.Tests.KnowledgeBase;

/// <summary>Runs only where node and the web client's packages (web/node_modules) are installed.</summary>
public sealed class TiptapFactAttribute : FactAttribute
{
    public TiptapFactAttribute()
    {
        if (TiptapOracle.WebDirectory is null) Skip = "web/node_modules with @tiptap/y-tiptap not installed (run npm ci in web/)";
        else if (!TiptapOracle.NodeAvailable) Skip = "node is not on PATH";
    }
}

internal static class TiptapOracle
{
    private static readonly Lazy<string?> Web = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Spotter.Collab.sln"))) dir = dir.Parent;
        if (dir is null) return null;
        var web = Path.Combine(dir.FullName, "web");
        return Directory.Exists(Path.Combine(web, "node_modules", "@tiptap", "y-tiptap")) ? web : null;
    });

    public static string? WebDirectory => Web.Value;

    public static bool NodeAvailable =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(p => File.Exists(Path.Combine(p, "node")));

    private static string Script => Path.Combine(AppContext.BaseDirectory, "KnowledgeBase", "tiptap-schema-check.cjs");

    public static async Task<string> RunAsync(string mode, string file)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Script, WebDirectory!, mode, file }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"node {mode} failed: {await error}");
        return await output;
    }
}

/// <summary>The converters against the real editor: Tiptap 3's schema read through y-tiptap, as in the browser.</summary>
public sealed class TiptapSchemaTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spotter-tiptap").FullName;

    [TiptapFact]
    public async Task Imported_markdown_is_accepted_unchanged_by_the_editor_schema()
    {
        var file = Path.Combine(_directory, "import.bin");
        await File.WriteAllBytesAsync(file, RichContent.ReplaceUpdate([], MarkdownImporter.Parse(ContentConversionTests.Sample)));
        using var result = JsonDocument.Parse(await TiptapOracle.RunAsync("check", file));
        Assert.True(result.RootElement.GetProperty("unchanged").GetBoolean(), "y-prosemirror dropped a node the schema rejected");
        var types = new HashSet<string>();
        void Collect(JsonElement node)
        {
            types.Add(node.GetProperty("type").GetString()!);
            if (node.TryGetProperty("content", out var content)) foreach (var child in content.EnumerateArray()) Collect(child);
        }
        Collect(result.RootElement.GetProperty("json"));
        Assert.Superset(new HashSet<string>
        {
            "heading", "paragraph", "text", "bulletList", "orderedList", "listItem", "taskList", "taskItem", "codeBlock", "blockquote",
            "horizontalRule", "table", "tableRow", "tableHeader", "tableCell", "image", "hardBreak",
        }, types);
    }

    [TiptapFact]
    public async Task Content_written_by_the_editor_renders_as_markdown_and_html()
    {
        var link = new Dictionary<string, object?> { ["href"] = "https://x.example/a" };
        var json = JsonSerializer.Serialize(new
        {
            type = "doc",
            content = new object[]
            {
                new { type = "heading", attrs = new { level = 3 }, content = new object[] { new { type = "text", text = "Title" } } },
                new
                {
                    type = "paragraph",
                    content = new object[]
                    {
                        new { type = "text", text = "see " },
                        new { type = "text", text = "the docs", marks = new object[] { new { type = "link", attrs = link }, new { type = "bold" } } },
                        new { type = "hardBreak" },
                        new { type = "text", text = "x<y", marks = new object[] { new { type = "code" } } },
                    },
                },
                new
                {
                    type = "orderedList", attrs = new { start = 3 },
                    content = new object[] { new { type = "listItem", content = new object[] { new { type = "paragraph", content = new object[] { new { type = "text", text = "three" } } } } } },
                },
                new
                {
                    type = "taskList",
                    content = new object[] { new { type = "taskItem", attrs = new { @checked = true }, content = new object[] { new { type = "paragraph", content = new object[] { new { type = "text", text = "done" } } } } } },
                },
                new { type = "codeBlock", attrs = new { language = "cs" }, content = new object[] { new { type = "text", text = "var a = 1;" } } },
                new { type = "image", attrs = new { src = "/api/attachments/1", alt = "pic" } },
            },
        });
        var file = Path.Combine(_directory, "doc.json");
        await File.WriteAllTextAsync(file, json);
        var update = Convert.FromBase64String((await TiptapOracle.RunAsync("build", file)).Trim());
        var blocks = RichContent.Read(update);
        Assert.Equal("### Title\n\nsee [**the docs**](https://x.example/a)\\\n`x<y`\n\n3. three\n\n- [x] done\n\n```cs\nvar a = 1;\n```\n\n![pic](/api/attachments/1)\n",
            RichMarkdown.Render(blocks));
        Assert.StartsWith("<h3>Title</h3><p>see <a href=\"https://x.example/a\" rel=\"noopener noreferrer nofollow\"><strong>the docs</strong></a><br><code>x&lt;y</code></p><ol start=\"3\">",
            RichHtml.Render(blocks), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
