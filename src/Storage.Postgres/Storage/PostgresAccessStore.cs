using Npgsql;
using Spotter.Collab.Grains.Access;

namespace Spotter.Collab.Grains.Storage;

/// <summary>The access model's rows in PostgreSQL (tables from migration 0011_access_rows.sql); a change is one
/// batch of statements in one transaction, one round trip.</summary>
public sealed class PostgresAccessStore(NpgsqlDataSource dataSource) : IAccessStore
{
    public async Task<OrganizationState?> LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var tables = new List<List<object?[]>>();
        foreach (var (table, columns) in AccessRowsSql.Queries)
        {
            // seq: the order rows were first inserted (an upsert keeps it), so the model enumerates as it did.
            await using var select = new NpgsqlCommand($"SELECT {columns} FROM {table} ORDER BY seq", connection, transaction);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<object?[]>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                rows.Add(row);
            }
            tables.Add(rows);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return AccessRowsSql.Build(tables);
    }

    public async Task SaveAsync(AccessRowChanges changes, CancellationToken cancellationToken = default)
    {
        var statements = AccessRowsSql.Statements(changes);
        if (statements.Count == 0) return;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // A first import writes every row: batches of a bounded size keep each message small.
        foreach (var chunk in statements.Chunk(1000))
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var statement in chunk)
            {
                var command = new NpgsqlBatchCommand(statement.Sql);
                foreach (var (name, value) in statement.Parameters) command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
                batch.BatchCommands.Add(command);
            }
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
