using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Grains.Users;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Access;

/// <summary>The access model is stored as rows: a change writes only the rows it touched, a restart reloads the
/// same model, and the one-blob state of older versions is imported once and keeps working.</summary>
public sealed class AccessRowsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string DatabasePath => Path.Combine(_directory.Path, "spotter.db");

    /// <summary>Every row of every access table, as text, keyed by table.</summary>
    private Dictionary<string, HashSet<string>> Rows()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'access\\_%' ESCAPE '\\' ORDER BY name";
            using var reader = list.ExecuteReader();
            while (reader.Read()) tables.Add(reader.GetString(0));
        }
        var rows = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM {table}";
            using var reader = select.ExecuteReader();
            var set = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read())
            {
                set.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i) is byte[] b ? Convert.ToBase64String(b) : reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
            }
            rows[table] = set;
        }
        return rows;
    }

    /// <summary>Rows that are new or changed since <paramref name="before"/> (and rows gone), per table.</summary>
    private static Dictionary<string, List<string>> Diff(Dictionary<string, HashSet<string>> before, Dictionary<string, HashSet<string>> after)
    {
        var diff = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (table, rows) in after)
        {
            var old = before.GetValueOrDefault(table) ?? [];
            var changed = rows.Except(old).Select(r => "+" + r).Concat(old.Except(rows).Select(r => "-" + r)).ToList();
            if (changed.Count > 0) diff[table] = changed;
        }
        return diff;
    }

    private static async Task<string> CreateAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<string> TreeAsync(HttpClient client, string spaceId)
    {
        var response = await client.GetAsync(new Uri($"/api/spaces/{spaceId}/tree", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task A_change_writes_only_the_rows_it_touched_and_a_restart_reloads_the_same_model()
    {
        string space, parent, other, elsewhere, tree, grants;
        List<string> children = [];
        await using (var server = await CollabTestServer.StartAsync(_directory.Path))
        {
            await server.CreateUserAsync("reader", "Reader");
            using var admin = server.Client(await server.LoginAsync("admin", CollabTestServer.AdminPassword));
            space = await CreateAsync(admin, "/api/spaces", new { name = "Space" });
            parent = await CreateAsync(admin, "/api/pages", new { spaceId = space, title = "Parent" });
            other = await CreateAsync(admin, "/api/pages", new { spaceId = space, title = "Other" });
            for (var i = 0; i < 6; i++) children.Add(await CreateAsync(admin, "/api/pages", new { spaceId = space, parentId = parent, title = $"Child {i}" }));
            elsewhere = await CreateAsync(admin, "/api/pages", new { spaceId = space, parentId = other, title = "Elsewhere" });

            // Appending a page writes its own row and nothing else: not its siblings, not the space, no other table.
            var before = Rows();
            var last = await CreateAsync(admin, "/api/pages", new { spaceId = space, parentId = parent, title = "Last" });
            var appended = Diff(before, Rows());
            Assert.Equal(["access_resources"], appended.Keys);
            Assert.StartsWith("+" + last + "|", Assert.Single(appended["access_resources"]), StringComparison.Ordinal);
            children.Add(last);

            // Inserting at position 4 moves the siblings after it, and only those.
            before = Rows();
            var inserted = await CreateAsync(admin, "/api/pages", new { spaceId = space, parentId = parent, title = "Inserted", index = 4 });
            var insertedDiff = Diff(before, Rows());
            Assert.Equal(["access_resources"], insertedDiff.Keys);
            var written = insertedDiff["access_resources"].Where(r => r[0] == '+').Select(r => r[1..r.IndexOf('|', StringComparison.Ordinal)]).Order().ToList();
            Assert.Equal(children.Skip(4).Append(inserted).Order(), written);
            children.Insert(4, inserted);

            // A grant writes the resource and its grant rows; the directory and other pages stay as they were.
            before = Rows();
            var grant = await admin.PostAsJsonAsync($"/api/resources/{other}/grants", new { principal = "user:reader", level = "comment" });
            Assert.Equal(HttpStatusCode.OK, grant.StatusCode);
            var granted = Diff(before, Rows());
            Assert.Equal(["access_grants"], granted.Keys);
            Assert.Contains("user:reader", Assert.Single(granted["access_grants"]), StringComparison.Ordinal);

            tree = await TreeAsync(admin, space);
            grants = await admin.GetStringAsync(new Uri($"/api/resources/{other}/grants", UriKind.Relative));
        }

        await using (var server = await CollabTestServer.StartAsync(_directory.Path))
        {
            using var admin = server.Client(await server.LoginAsync("admin", CollabTestServer.AdminPassword));
            Assert.Equal(tree, await TreeAsync(admin, space));
            Assert.Equal(grants, await admin.GetStringAsync(new Uri($"/api/resources/{other}/grants", UriKind.Relative)));
            using var reader = server.Client(await server.LoginAsync("reader", CollabTestServer.UserPassword));
            var readerTree = JsonDocument.Parse(await TreeAsync(reader, space)).RootElement.GetProperty("pages");
            // The grant on "Other" reaches its child and nothing else.
            Assert.Equal([other, elsewhere], readerTree.EnumerateArray().Select(p => p.GetProperty("id").GetString()));
            using var treeJson = JsonDocument.Parse(tree);
            var order = treeJson.RootElement.GetProperty("pages").EnumerateArray()
                .Where(p => p.GetProperty("parentId").GetString() == parent)
                .OrderBy(p => p.GetProperty("order").GetInt32()).Select(p => p.GetProperty("id").GetString()!).ToList();
            Assert.Equal(children, order);
        }
    }

    [Fact]
    public async Task The_blob_of_older_versions_is_imported_into_rows_once_and_keeps_working()
    {
        var created = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var state = new OrganizationState { ExternalSharing = ExternalSharing.On, TrustedPartnerOrgs = ["acme"], PublicIdKey = PublicIds.NewKey() };
        state.Users["alice"] = new UserEntry { Username = "alice", DisplayName = "Alice Old", Kind = UserKind.Employee, DepartmentId = "sales" };
        state.Users["pat"] = new UserEntry { Username = "pat", DisplayName = "Pat Partner", Kind = UserKind.Partner, PartnerOrgId = "acme" };
        state.Departments["sales"] = new DepartmentEntry { Id = "sales", Name = "Sales" };
        state.Groups["team"] = new GroupEntry { Id = "team", Name = "Team", Members = new(StringComparer.Ordinal) { "alice" } };
        state.Partners["acme"] = new PartnerEntry { Id = "acme", Name = "Acme" };
        state.Resources["space1"] = new ResourceEntry
        {
            Id = "space1", Kind = ResourceKind.Space, Title = "Old space", CreatedBy = "admin", CreatedAt = created,
            Grants = [new GrantEntry { Id = "g1", Principal = "department:sales", Level = AccessLevel.Edit }, new GrantEntry { Id = "g2", Principal = "user:pat", Level = AccessLevel.View }],
        };
        state.Resources["page1"] = new ResourceEntry { Id = "page1", Kind = ResourceKind.Page, Title = "Open page", ParentId = "space1", Order = 0, CreatedBy = "admin", CreatedAt = created };
        state.Resources["page2"] = new ResourceEntry
        {
            Id = "page2", Kind = ResourceKind.Page, Title = "Secret page", ParentId = "space1", Order = 1, Restricted = true, CreatedBy = "admin", CreatedAt = created,
            Grants = [new GrantEntry { Id = "g3", Principal = "group:team", Level = AccessLevel.Manage }],
        };
        state.Links["link1"] = new LinkEntry
        {
            Id = "link1", ResourceId = "page1", Scope = LinkScope.Anyone, Role = AccessLevel.View, TokenHash = Organization.HashToken("old-token"),
            Password = PasswordHasher.Hash("link-password", PasswordHasher.MinimumIterations), CreatedBy = "admin", CreatedAt = created,
        };
        // The old code path: the whole model as one grain state of the organisation grain.
        var organizationGrain = GrainId.Create("organization", IOrganizationGrain.Key);
        await using (var services = new ServiceCollection().AddSerializer().BuildServiceProvider())
        using (var database = new SqliteDatabase(Options.Create(new SqliteStoreOptions { DataDirectory = _directory.Path })))
        {
            var storage = new SqliteGrainStorage(database, services.GetRequiredService<Serializer>());
            await storage.WriteStateAsync("organization", organizationGrain, new GrainState<OrganizationState>(state));
        }

        for (var start = 0; start < 2; start++)
        {
            await using var server = await CollabTestServer.StartAsync(_directory.Path);
            using var admin = server.Client(await server.LoginAsync("admin", CollabTestServer.AdminPassword));
            var policy = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/admin/policy", UriKind.Relative));
            Assert.Equal("on", policy.GetProperty("externalSharing").GetString());
            Assert.Equal(["acme"], policy.GetProperty("trustedPartnerOrgs").EnumerateArray().Select(e => e.GetString()));
            var users = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/admin/users", UriKind.Relative));
            var alice = users.EnumerateArray().Single(u => u.GetProperty("username").GetString() == "alice");
            Assert.Equal(("Alice Old", "sales", "team"), (alice.GetProperty("displayName").GetString(), alice.GetProperty("departmentId").GetString(), alice.GetProperty("groupIds")[0].GetString()));
            using var tree = JsonDocument.Parse(await TreeAsync(admin, "space1"));
            Assert.Equal(["page1", "page2"], tree.RootElement.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("id").GetString()));
            var grants = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/resources/space1/grants", UriKind.Relative));
            Assert.Equal(["g1", "g2"], grants.EnumerateArray().Select(g => g.GetProperty("id").GetString()));
            // The link keeps its token hash and password.
            var redeemed = await server.Http.PostAsJsonAsync("/api/links/redeem", new { token = "old-token", password = "link-password" });
            Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
            var wrongPassword = await server.Http.PostAsJsonAsync("/api/links/redeem", new { token = "old-token", password = "not-it" });
            Assert.NotEqual(HttpStatusCode.OK, wrongPassword.StatusCode);
        }

        // The blob is gone and the rows hold the model.
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT count(*) FROM grain_state WHERE grain_type = 'organization'), (SELECT count(*) FROM access_resources), (SELECT count(*) FROM access_grants), (SELECT count(*) FROM access_links)";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal((0L, 3L, 3L, 1L), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
    }
}
