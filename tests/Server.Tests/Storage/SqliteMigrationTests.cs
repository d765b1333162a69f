using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.KnowledgeBase.Storage;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Storage;

public sealed class SqliteMigrationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private IOptions<SqliteStoreOptions> Options => Microsoft.Extensions.Options.Options.Create(new SqliteStoreOptions { DataDirectory = _directory.Path });

    private string DatabasePath => Options.Value.DatabasePath;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_new_file_gets_every_migration_once_and_a_second_start_applies_nothing()
    {
        IReadOnlyList<int> first, second;
        using (var database = new SqliteDatabase(Options)) first = await database.Migrated;
        var fingerprint = Query(DatabasePath, "SELECT type || ' ' || name || ' ' || ifnull(sql, '') FROM sqlite_master ORDER BY name");
        using (var database = new SqliteDatabase(Options)) second = await database.Migrated;

        Assert.Equal(SqliteMigrator.Migrations.Select(m => m.Version), first);
        // Contiguous from 1: a gap means a migration file was renamed or lost.
        Assert.Equal(Enumerable.Range(1, first.Count), first);
        Assert.Empty(second);
        Assert.Equal(SqliteMigrator.Migrations.Select(m => m.Checksum), Query(DatabasePath, "SELECT checksum FROM schema_version ORDER BY version"));
        Assert.Equal(fingerprint, Query(DatabasePath, "SELECT type || ' ' || name || ' ' || ifnull(sql, '') FROM sqlite_master ORDER BY name"));
    }

    [Fact]
    public async Task A_file_created_before_migrations_is_adopted_with_its_data_and_keeps_working()
    {
        CreateTheOldWay(DatabasePath);

        using var database = new SqliteDatabase(Options);
        Assert.Equal(SqliteMigrator.Migrations.Select(m => m.Version), await database.Migrated);

        // What the old server wrote is read back through today's stores.
        var documents = new SqliteDocumentStore(database, Options, NullLogger<SqliteDocumentStore>.Instance);
        await using (documents)
        {
            var stored = await documents.LoadAsync("page-1");
            Assert.Equal([[1, 2, 3], [4, 5]], stored.Tail.Select(u => u.Update));
            var next = await documents.AppendAsync("page-1", new byte[] { 6 });
            Assert.True(next > stored.Tail[^1].Sequence);
        }
        var audit = new SqliteAuditLog(database);
        var before = Assert.Single(await audit.QueryAsync(new AuditQuery()));
        Assert.Equal(("alice", AuditActions.Login), (before.Actor, before.Action));
        await audit.AppendAsync(new AuditEntry("bob", AuditActions.Logout, null));
        Assert.Equal(["bob", "alice"], (await audit.QueryAsync(new AuditQuery())).Select(e => e.Actor));
        var knowledgeBase = new SqliteKnowledgeBaseStore(database);
        Assert.Equal("Old page", Assert.Single(await knowledgeBase.LoadSearchDocumentsAsync()).Title);
        var version = await knowledgeBase.AddVersionAsync("page-1", new NewVersion(DateTimeOffset.UnixEpoch, ["alice"], "manual", [0, 0]));
        Assert.NotNull(await knowledgeBase.GetVersionAsync("page-1", version));

        // The old signing-key table is gone.
        Assert.Empty(Query(DatabasePath, "SELECT name FROM sqlite_master WHERE name = 'secrets'"));
    }

    [Fact]
    public async Task An_edited_applied_migration_is_refused_and_nothing_runs_on_the_file()
    {
        using (var database = new SqliteDatabase(Options)) await database.Migrated;
        Execute(DatabasePath, "UPDATE schema_version SET checksum = 'not-the-shipped-script' WHERE version = 1");

        using var reopened = new SqliteDatabase(Options);

        var refused = await Assert.ThrowsAsync<SqliteMigrationException>(() => reopened.Migrated);
        Assert.Contains("Migration 1", refused.Message, StringComparison.Ordinal);
        var audit = new SqliteAuditLog(reopened);
        await Assert.ThrowsAsync<SqliteMigrationException>(() => audit.AppendAsync(new AuditEntry("alice", AuditActions.Login, null)));
        await Assert.ThrowsAsync<SqliteMigrationException>(() => audit.QueryAsync(new AuditQuery()));
        Assert.Equal(["0"], Query(DatabasePath, "SELECT count(*) FROM audit_log"));
    }

    /// <summary>The schema and rows as the stores' constructors created them before migrations, including the
    /// table that once held the signing key.</summary>
    private static void CreateTheOldWay(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Execute(path, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE doc_updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, data BLOB NOT NULL);
            CREATE INDEX doc_updates_by_doc ON doc_updates(doc_id, seq);
            CREATE TABLE doc_snapshots (doc_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data BLOB NOT NULL);
            CREATE TABLE grain_state (grain_type TEXT NOT NULL, grain_id TEXT NOT NULL, etag INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (grain_type, grain_id));
            CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
            CREATE TABLE doc_versions (id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, created_at INTEGER NOT NULL, authors TEXT NOT NULL, reason TEXT NOT NULL, state BLOB NOT NULL);
            CREATE INDEX doc_versions_by_doc ON doc_versions(doc_id, id);
            CREATE TABLE attachments (id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, content_type TEXT NOT NULL, data BLOB NOT NULL, uploaded_by TEXT NOT NULL, uploaded_at INTEGER NOT NULL);
            CREATE TABLE search_documents (doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, space_id TEXT, updated_at INTEGER NOT NULL);
            CREATE TABLE audit_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT, detail TEXT, source TEXT);
            CREATE INDEX audit_log_by_actor ON audit_log(actor, seq);
            CREATE INDEX audit_log_by_target ON audit_log(target, seq);
            INSERT INTO doc_updates (doc_id, data) VALUES ('page-1', x'010203'), ('page-1', x'0405');
            INSERT INTO secrets (name, value) VALUES ('jwt-signing-key', x'00112233');
            INSERT INTO search_documents VALUES ('page-1', 'Old page', 'body', NULL, 0);
            INSERT INTO audit_log (at_ms, actor, action) VALUES (0, 'alice', 'auth.login');
            """);
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<string> Query(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read()) rows.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        return rows;
    }
}
