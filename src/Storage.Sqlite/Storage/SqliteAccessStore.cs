using Microsoft.Data.Sqlite;
using Spotter.Collab.Grains.Access;

namespace Spotter.Collab.Grains.Storage;

/// <summary>The access model's rows in the embedded SQLite file (schema: SqliteMigrations/0003_access_rows.sql);
/// a change runs its statements in one transaction on the database's writer thread.</summary>
public sealed class SqliteAccessStore : IAccessStore
{
    private readonly SqliteDatabase _database;

    public SqliteAccessStore(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    public Task<OrganizationState?> LoadAsync(CancellationToken cancellationToken = default) =>
        _database.ReadAsync(connection =>
        {
            var tables = new List<List<object?[]>>();
            using var transaction = connection.BeginTransaction(deferred: true);
            foreach (var (table, columns) in AccessRowsSql.Queries)
            {
                using var select = connection.CreateCommand();
                select.Transaction = transaction;
                // rowid: the order rows were first inserted (an upsert keeps it), so the model enumerates as it did.
                select.CommandText = $"SELECT {columns} FROM {table} ORDER BY rowid";
                using var reader = select.ExecuteReader();
                var rows = new List<object?[]>();
                while (reader.Read())
                {
                    var row = new object?[reader.FieldCount];
                    for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                    rows.Add(row);
                }
                tables.Add(rows);
            }
            return AccessRowsSql.Build(tables);
        }, cancellationToken);

    public Task SaveAsync(AccessRowChanges changes, CancellationToken cancellationToken = default)
    {
        var statements = AccessRowsSql.Statements(changes);
        if (statements.Count == 0) return Task.CompletedTask;
        return _database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            foreach (var statement in statements)
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = statement.Sql;
                foreach (var (name, value) in statement.Parameters) command.Parameters.AddWithValue("@" + name, value ?? DBNull.Value);
                command.ExecuteNonQuery();
            }
            transaction.Commit();
            return statements.Count;
        }, cancellationToken);
    }
}
