using Npgsql;

namespace Spotter.Collab.Grains.Storage;

/// <summary>Host secrets in the <c>secrets</c> table, shared by every web host of the cluster.</summary>
public sealed class PostgresSecretStore(NpgsqlDataSource dataSource) : ISecretStore
{
    public byte[] GetOrCreate(string name, Func<byte[]> create)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(create);
        using var connection = dataSource.OpenConnection();
        using (var select = new NpgsqlCommand("SELECT value FROM secrets WHERE name = $1", connection))
        {
            select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            if (select.ExecuteScalar() is byte[] existing) return existing;
        }
        // Two hosts racing on first start both end up with the winner's value.
        using (var insert = new NpgsqlCommand("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", connection))
        {
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = create() });
            insert.ExecuteNonQuery();
        }
        using var reread = new NpgsqlCommand("SELECT value FROM secrets WHERE name = $1", connection);
        reread.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return (byte[])reread.ExecuteScalar()!;
    }
}
