using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Host;

/// <summary>
/// The HTTP contract is <c>web/openapi.json</c>: the web client's types are generated from it
/// (web/src/api/schema.d.ts, checked by web/test/api-schema.test.ts). This test fails when the server's
/// <c>/openapi/v1.json</c> no longer matches the committed file; <c>SPOTTER_UPDATE_OPENAPI=1</c> rewrites the file
/// instead (see web/README.md, "The API contract").
/// </summary>
public sealed class OpenApiContractTests(HubServerFixture fixture) : IClassFixture<HubServerFixture>
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task Committed_openapi_json_is_what_the_server_describes()
    {
        var served = Canonical(JsonNode.Parse(await fixture.Server.Http.GetStringAsync("/openapi/v1.json"))!);
        var path = Path.Combine(RepositoryRoot(), "web", "openapi.json");
        if (Environment.GetEnvironmentVariable("SPOTTER_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(path, served);
            return;
        }
        Assert.True(File.Exists(path), $"{path} is missing: run SPOTTER_UPDATE_OPENAPI=1 dotnet test tests/Server.Tests --filter OpenApiContract");
        var committed = Canonical(JsonNode.Parse(await File.ReadAllTextAsync(path))!);
        Assert.True(committed == served,
            "web/openapi.json is stale: regenerate it and the web client's types (web/README.md, \"The API contract\")\n" + FirstDifference(committed, served));
    }

    [Fact]
    public async Task Every_api_operation_declares_its_success_and_problem_responses()
    {
        using var json = JsonDocument.Parse(await fixture.Server.Http.GetStringAsync("/openapi/v1.json"));
        var undeclared = new List<string>();
        foreach (var path in json.RootElement.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var responses = operation.Value.GetProperty("responses");
                var success = responses.EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
                if (success.Count == 0) undeclared.Add($"{operation.Name.ToUpperInvariant()} {path.Name}: no 2xx response");
                // A JSON success answer must say what it holds.
                foreach (var response in success)
                {
                    if (response.Value.TryGetProperty("content", out var content) && content.TryGetProperty("application/json", out var body) && !body.TryGetProperty("schema", out _))
                    {
                        undeclared.Add($"{operation.Name.ToUpperInvariant()} {path.Name}: {response.Name} without a schema");
                    }
                }
                var problems = responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5').ToList();
                if (problems.Count == 0 && path.Name != "/api/me") undeclared.Add($"{operation.Name.ToUpperInvariant()} {path.Name}: no problem response");
                foreach (var problem in problems)
                {
                    if (!problem.Value.TryGetProperty("content", out var content) || !content.TryGetProperty("application/problem+json", out _))
                    {
                        undeclared.Add($"{operation.Name.ToUpperInvariant()} {path.Name}: {problem.Name} is not problem+json");
                    }
                }
            }
        }
        Assert.Empty(undeclared);
    }

    /// <summary>Indented, with object properties in a stable order, so the committed file diffs well; without
    /// <c>servers</c>, which names the address the document was fetched from, not part of the contract.</summary>
    private static string Canonical(JsonNode node)
    {
        node.AsObject().Remove("servers");
        return Sorted(node)!.ToJsonString(Indented) + "\n";
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray array => new JsonArray(array.Select(Sorted).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };

    private static string FirstDifference(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var left = i < a.Length ? a[i] : "<end>";
            var right = i < b.Length ? b[i] : "<end>";
            if (left != right) return $"line {i + 1}: committed `{left.Trim()}`, served `{right.Trim()}`";
        }
        return "";
    }

    private static string RepositoryRoot() => RepositoryPaths.Root();
}
