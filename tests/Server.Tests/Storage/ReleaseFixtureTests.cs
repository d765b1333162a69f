using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Grains.Users;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Storage;

/// <summary>
/// Upgrades from a released installation: <c>Fixtures/release-2026-12-07.db</c> is the SQLite file the build of
/// 2026-12-07 (schema 5) wrote through its HTTP API (admin, users ana and bo, a space, a page with Markdown content
/// shared with bo as viewer). Its grain state rows are that build's Orleans-serialized <see cref="UserRecord"/> and
/// <see cref="DocumentRecord"/>. Never regenerate the file: add a new one per release instead.
/// </summary>
public sealed class ReleaseFixtureTests : IDisposable
{
    private const string PageId = "81c2a2e2eaf14d1e84e36e7a727dd069";
    private const string UserPassword = "fixture-user-password";

    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task A_data_directory_of_the_previous_release_opens_migrated_with_its_accounts_pages_and_grants()
    {
        var database = Path.Combine(_directory.Path, "spotter.db");
        File.Copy(Fixture("release-2026-12-07.db"), database);
        Assert.Equal(5, SqliteBackup.SchemaVersion(database));

        await using (var server = await CollabTestServer.StartAsync(_directory.Path))
        {
            // Accounts (Orleans-serialized UserRecord: password hash, sessions) still sign in, with their old passwords.
            await server.LoginAsync("admin", "fixture-admin-password");
            var ana = await server.LoginAsync("ana", UserPassword);
            var bo = await server.LoginAsync("bo", UserPassword);

            using var anaHttp = server.Client(ana);
            using var page = JsonDocument.Parse(await anaHttp.GetStringAsync($"/api/docs/{PageId}"));
            Assert.Equal("Fixture page", page.RootElement.GetProperty("title").GetString());
            Assert.Equal("owner", page.RootElement.GetProperty("role").GetString());
            Assert.Contains("Written by the release of 2026-12-07", await anaHttp.GetStringAsync($"/api/docs/{PageId}/export?format=md"), StringComparison.Ordinal);
            Assert.Contains("Fixture space", await anaHttp.GetStringAsync("/api/spaces"), StringComparison.Ordinal);

            using var boHttp = server.Client(bo);
            using var seen = JsonDocument.Parse(await boHttp.GetStringAsync($"/api/docs/{PageId}"));
            Assert.Equal("viewer", seen.RootElement.GetProperty("role").GetString());
            Assert.Equal(HttpStatusCode.Forbidden, (await boHttp.PostAsync($"/api/docs/{PageId}/import?mode=append", new StringContent("x"))).StatusCode);

            // And the installation goes on working: the owner appends, the viewer reads it.
            using var append = new StringContent("\nAppended after the upgrade.\n", System.Text.Encoding.UTF8, "text/markdown");
            Assert.Equal(HttpStatusCode.NoContent, (await anaHttp.PostAsync($"/api/docs/{PageId}/import?mode=append", append)).StatusCode);
            Assert.Contains("Appended after the upgrade.", await boHttp.GetStringAsync($"/api/docs/{PageId}/export?format=md"), StringComparison.Ordinal);
        }
        Assert.Equal(SqliteMigrator.Migrations.Max(m => m.Version), SqliteBackup.SchemaVersion(database));
    }

    [Fact]
    public async Task Grain_state_serialized_by_the_previous_release_deserializes_with_this_build()
    {
        // The server's own serializer (the one SqliteGrainStorage uses), reading the blobs as the release wrote them.
        await using var server = await CollabTestServer.StartAsync(_directory.Path);
        var serializer = server.Services.GetRequiredService<Serializer>();
        using var connection = SqliteBackup.OpenUnpooled(Fixture("release-2026-12-07.db"), SqliteOpenMode.ReadOnly);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT grain_type, grain_id, data FROM grain_state ORDER BY grain_type, grain_id";
        using var reader = command.ExecuteReader();
        var users = new List<string>();
        var documents = new List<DocumentRecord>();
        var sessions = 0;
        while (reader.Read())
        {
            var data = (byte[])reader["data"];
            switch (reader.GetString(0))
            {
                case "user":
                    var user = serializer.Deserialize<UserRecord>(data)!;
                    Assert.NotNull(user.Password);
                    Assert.False(user.PasswordChangeRequired);
                    sessions += user.Sessions.Count;
                    users.Add(reader.GetString(1));
                    break;
                case "document":
                    documents.Add(serializer.Deserialize<DocumentRecord>(data)!);
                    break;
            }
        }
        Assert.Equal(3, users.Count);
        Assert.True(sessions >= 2, "admin and ana signed in on the release, so their refresh sessions are in the state");
        Assert.Equal("Fixture page", Assert.Single(documents).Title);
    }

    private static string Fixture(string name)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Spotter.Collab.sln"))) root = root.Parent;
        Assert.NotNull(root);
        return Path.Combine(root.FullName, "tests", "Server.Tests", "Storage", "Fixtures", name);
    }

    public void Dispose() => _directory.Dispose();
}
