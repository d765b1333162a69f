using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.Grains.KnowledgeBase.Storage;

/// <summary>
/// The knowledge-base tables in the embedded SQLite file (same durability settings as the document log); statements run
/// on the database's writer and reader threads.
/// </summary>
public sealed class SqliteKnowledgeBaseStore : IKnowledgeBaseStore
{
    private readonly SqliteDatabase _database;
    private readonly VersionRetentionOptions _retention;
    private readonly TimeProvider _time;

    public SqliteKnowledgeBaseStore(SqliteDatabase database, IOptions<KnowledgeBaseOptions>? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _retention = options?.Value.VersionRetention ?? new VersionRetentionOptions();
        _retention.Validate();
        _time = time ?? TimeProvider.System;
    }

    public Task<long> AddVersionAsync(string documentId, NewVersion version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(version);
        return _database.WriteAsync(connection => AddVersion(connection, documentId, version), cancellationToken);
    }

    private long AddVersion(SqliteConnection connection, string documentId, NewVersion version)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO doc_versions(doc_id, created_at, authors, reason, state) VALUES ($doc, $at, $authors, $reason, $state) RETURNING id";
        insert.Parameters.AddWithValue("$doc", documentId);
        insert.Parameters.AddWithValue("$at", version.CreatedAt.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$authors", string.Join('\n', version.Authors));
        insert.Parameters.AddWithValue("$reason", version.Reason);
        insert.Parameters.AddWithValue("$state", version.State);
        var id = (long)insert.ExecuteScalar()!;
        PruneVersions(connection, documentId);
        return id;
    }

    /// <summary>Applies the retention policy to one document's versions (on each write: a document nobody edits
    /// keeps what it has, and its versions stop growing anyway).</summary>
    private void PruneVersions(SqliteConnection connection, string documentId)
    {
        if (!_retention.Enabled) return;
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT id, created_at, authors, reason FROM doc_versions WHERE doc_id = $doc";
        select.Parameters.AddWithValue("$doc", documentId);
        var versions = new List<VersionSummary>();
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read()) versions.Add(Summary(reader));
        }
        var prunable = VersionRetention.Prunable(versions, _time.GetUtcNow(), _retention);
        if (prunable.Count == 0) return;
        using var transaction = connection.BeginTransaction();
        using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM doc_versions WHERE doc_id = $doc AND id = $id";
        delete.Parameters.AddWithValue("$doc", documentId);
        var idParameter = delete.Parameters.Add("$id", SqliteType.Integer);
        foreach (var id in prunable)
        {
            idParameter.Value = id;
            delete.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    public Task<IReadOnlyList<VersionSummary>> ListVersionsAsync(string documentId, CancellationToken cancellationToken = default) =>
        _database.ReadAsync<IReadOnlyList<VersionSummary>>(connection => ListVersions(connection, documentId), cancellationToken);

    private static List<VersionSummary> ListVersions(SqliteConnection connection, string documentId)
    {
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT id, created_at, authors, reason FROM doc_versions WHERE doc_id = $doc ORDER BY id DESC";
        select.Parameters.AddWithValue("$doc", documentId);
        using var reader = select.ExecuteReader();
        var versions = new List<VersionSummary>();
        while (reader.Read()) versions.Add(Summary(reader));
        return versions;
    }

    public Task<StoredVersion?> GetVersionAsync(string documentId, long versionId, CancellationToken cancellationToken = default) =>
        _database.ReadAsync(connection => GetVersion(connection, documentId, versionId), cancellationToken);

    private static StoredVersion? GetVersion(SqliteConnection connection, string documentId, long versionId)
    {
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT id, created_at, authors, reason, state FROM doc_versions WHERE doc_id = $doc AND id = $id";
        select.Parameters.AddWithValue("$doc", documentId);
        select.Parameters.AddWithValue("$id", versionId);
        using var reader = select.ExecuteReader();
        return reader.Read() ? new StoredVersion(Summary(reader), (byte[])reader.GetValue(4)) : null;
    }

    private static VersionSummary Summary(SqliteDataReader reader) => new(
        reader.GetInt64(0),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
        SplitAuthors(reader.GetString(2)),
        reader.GetString(3));

    internal static IReadOnlyList<string> SplitAuthors(string authors) =>
        authors.Length == 0 ? [] : authors.Split('\n');

    public Task AddAttachmentAsync(StoredAttachment attachment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        return _database.WriteAsync(connection => AddAttachment(connection, attachment), cancellationToken);
    }

    private static bool AddAttachment(SqliteConnection connection, StoredAttachment attachment)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO attachments(id, doc_id, content_type, data, uploaded_by, uploaded_at) VALUES ($id, $doc, $type, $data, $by, $at)";
        insert.Parameters.AddWithValue("$id", attachment.Id);
        insert.Parameters.AddWithValue("$doc", attachment.DocumentId);
        insert.Parameters.AddWithValue("$type", attachment.ContentType);
        insert.Parameters.AddWithValue("$data", attachment.Data);
        insert.Parameters.AddWithValue("$by", attachment.UploadedBy);
        insert.Parameters.AddWithValue("$at", attachment.UploadedAt.ToUnixTimeMilliseconds());
        insert.ExecuteNonQuery();
        return true;
    }

    public Task<StoredAttachment?> GetAttachmentAsync(string attachmentId, CancellationToken cancellationToken = default) =>
        _database.ReadAsync(connection => GetAttachment(connection, attachmentId), cancellationToken);

    private static StoredAttachment? GetAttachment(SqliteConnection connection, string attachmentId)
    {
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT id, doc_id, content_type, data, uploaded_by, uploaded_at FROM attachments WHERE id = $id";
        select.Parameters.AddWithValue("$id", attachmentId);
        using var reader = select.ExecuteReader();
        return reader.Read()
            ? new StoredAttachment(reader.GetString(0), reader.GetString(1), reader.GetString(2), (byte[])reader.GetValue(3), reader.GetString(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)))
            : null;
    }

    public Task UpsertSearchDocumentAsync(SearchDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        return _database.WriteAsync(connection => UpsertSearchDocument(connection, document), cancellationToken);
    }

    public Task UpsertSearchDocumentsAsync(IReadOnlyList<SearchDocument> documents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        return _database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            foreach (var document in documents) UpsertSearchDocument(connection, document);
            transaction.Commit();
            return true;
        }, cancellationToken);
    }

    private static bool UpsertSearchDocument(SqliteConnection connection, SearchDocument document)
    {
        using var upsert = connection.CreateCommand();
        upsert.CommandText = """
            INSERT INTO search_documents(doc_id, title, body, space_id, updated_at) VALUES ($doc, $title, $body, $space, $at)
                ON CONFLICT(doc_id) DO UPDATE SET title = excluded.title, body = excluded.body, space_id = excluded.space_id, updated_at = excluded.updated_at
            """;
        upsert.Parameters.AddWithValue("$doc", document.DocumentId);
        upsert.Parameters.AddWithValue("$title", document.Title);
        upsert.Parameters.AddWithValue("$body", document.Body);
        upsert.Parameters.AddWithValue("$space", (object?)document.SpaceId ?? DBNull.Value);
        upsert.Parameters.AddWithValue("$at", document.UpdatedAt.ToUnixTimeMilliseconds());
        upsert.ExecuteNonQuery();
        return true;
    }

    public Task<IReadOnlyList<SearchDocument>> LoadSearchDocumentsAsync(CancellationToken cancellationToken = default) =>
        _database.ReadAsync<IReadOnlyList<SearchDocument>>(LoadSearchDocuments, cancellationToken);

    private static List<SearchDocument> LoadSearchDocuments(SqliteConnection connection)
    {
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT doc_id, title, body, space_id, updated_at FROM search_documents";
        using var reader = select.ExecuteReader();
        var documents = new List<SearchDocument>();
        while (reader.Read())
        {
            documents.Add(new SearchDocument(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }
        return documents;
    }
}
