using Microsoft.Extensions.Options;
using Npgsql;

namespace Spotter.Collab.Grains.KnowledgeBase.Storage;

/// <summary>The knowledge-base tables in PostgreSQL (migrations 0007 versions, 0008 attachments, 0009 search documents).</summary>
public sealed class PostgresKnowledgeBaseStore : IKnowledgeBaseStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly VersionRetentionOptions _retention;
    private readonly TimeProvider _time;

    public PostgresKnowledgeBaseStore(NpgsqlDataSource dataSource, IOptions<KnowledgeBaseOptions>? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _retention = options?.Value.VersionRetention ?? new VersionRetentionOptions();
        _retention.Validate();
        _time = time ?? TimeProvider.System;
    }

    public async Task<long> AddVersionAsync(string documentId, NewVersion version, CancellationToken cancellationToken = default)
    {
        var id = await InsertVersionAsync(documentId, version, cancellationToken).ConfigureAwait(false);
        await PruneVersionsAsync(documentId, cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>Applies the retention policy to one document's versions (see the SQLite store).</summary>
    private async Task PruneVersionsAsync(string documentId, CancellationToken cancellationToken)
    {
        if (!_retention.Enabled) return;
        var versions = await ListVersionsAsync(documentId, cancellationToken).ConfigureAwait(false);
        var prunable = VersionRetention.Prunable(versions, _time.GetUtcNow(), _retention);
        if (prunable.Count == 0) return;
        await using var command = _dataSource.CreateCommand("DELETE FROM doc_versions WHERE doc_id = $1 AND id = ANY($2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. prunable] });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> InsertVersionAsync(string documentId, NewVersion version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        await using var command = _dataSource.CreateCommand(
            "INSERT INTO doc_versions (doc_id, created_at, authors, reason, state) VALUES ($1, $2, $3, $4, $5) RETURNING id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = version.CreatedAt.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = string.Join('\n', version.Authors) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = version.Reason });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = version.State });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<IReadOnlyList<VersionSummary>> ListVersionsAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT id, created_at, authors, reason FROM doc_versions WHERE doc_id = $1 ORDER BY id DESC");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var versions = new List<VersionSummary>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) versions.Add(Summary(reader));
        return versions;
    }

    public async Task<StoredVersion?> GetVersionAsync(string documentId, long versionId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT id, created_at, authors, reason, state FROM doc_versions WHERE doc_id = $1 AND id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = versionId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new StoredVersion(Summary(reader), reader.GetFieldValue<byte[]>(4)) : null;
    }

    private static VersionSummary Summary(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc)),
        SplitAuthors(reader.GetString(2)),
        reader.GetString(3));

    /// <summary>Authors are stored joined by newlines, as in the SQLite store.</summary>
    private static string[] SplitAuthors(string authors) =>
        authors.Length == 0 ? [] : authors.Split('\n');

    public async Task AddAttachmentAsync(StoredAttachment attachment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        await using var command = _dataSource.CreateCommand(
            "INSERT INTO attachments (id, doc_id, content_type, data, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = attachment.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = attachment.DocumentId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = attachment.ContentType });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = attachment.Data });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = attachment.UploadedBy });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = attachment.UploadedAt.UtcDateTime });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredAttachment?> GetAttachmentAsync(string attachmentId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT id, doc_id, content_type, data, uploaded_by, uploaded_at FROM attachments WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = attachmentId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        return new StoredAttachment(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<byte[]>(3), reader.GetString(4),
            new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc)));
    }

    private const string UpsertSearchDocumentSql = """
        INSERT INTO search_documents (doc_id, title, body, space_id, updated_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (doc_id) DO UPDATE SET title = excluded.title, body = excluded.body, space_id = excluded.space_id, updated_at = excluded.updated_at
        """;

    public Task UpsertSearchDocumentAsync(SearchDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        return UpsertSearchDocumentsAsync([document], cancellationToken);
    }

    public async Task UpsertSearchDocumentsAsync(IReadOnlyList<SearchDocument> documents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Count == 0) return;
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One round trip; a batch of several statements runs as one implicit transaction.
        await using var batch = new NpgsqlBatch(connection);
        foreach (var document in documents)
        {
            var command = new NpgsqlBatchCommand(UpsertSearchDocumentSql);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = document.DocumentId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = document.Title });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = document.Body });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)document.SpaceId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = document.UpdatedAt.UtcDateTime });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<SearchDocument>> LoadSearchDocumentsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT doc_id, title, body, space_id, updated_at FROM search_documents");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var documents = new List<SearchDocument>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            documents.Add(new SearchDocument(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(4), DateTimeKind.Utc))));
        }
        return documents;
    }
}
