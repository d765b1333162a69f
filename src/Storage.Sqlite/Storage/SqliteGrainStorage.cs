using System.Globalization;
using Microsoft.Data.Sqlite;
using Orleans.Serialization;
using Orleans.Storage;

namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// Orleans grain persistence on the embedded SQLite file (Orleans ships no SQLite provider).
/// The ETag is a row version: a write whose ETag does not match the stored one fails with
/// <see cref="InconsistentStateException"/>, exactly as the built-in providers do.
/// Statements run on the database's threads; (de)serialisation stays on the grain's turn.
/// </summary>
public sealed class SqliteGrainStorage(SqliteDatabase database, Serializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var id = grainId.ToString();
        var row = await database.ReadAsync(connection =>
        {
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT etag, data FROM grain_state WHERE grain_type = $type AND grain_id = $id";
            select.Parameters.AddWithValue("$type", stateName);
            select.Parameters.AddWithValue("$id", id);
            using var reader = select.ExecuteReader();
            return reader.Read() ? (Etag: reader.GetInt64(0), Data: (byte[])reader.GetValue(1)) : ((long Etag, byte[] Data)?)null;
        }).ConfigureAwait(false);
        if (row is not { } stored)
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.ETag = stored.Etag.ToString(CultureInfo.InvariantCulture);
        grainState.State = serializer.Deserialize<T>(stored.Data);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var data = serializer.SerializeToArray(grainState.State);
        var id = grainId.ToString();
        long? expected = grainState.ETag is null ? null : long.Parse(grainState.ETag, CultureInfo.InvariantCulture);
        var mismatch = await database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.Parameters.AddWithValue("$type", stateName);
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$data", data);
            if (expected is null)
            {
                command.CommandText = "INSERT INTO grain_state(grain_type, grain_id, etag, data) VALUES ($type, $id, 1, $data) ON CONFLICT DO NOTHING";
            }
            else
            {
                command.CommandText = "UPDATE grain_state SET etag = $expected + 1, data = $data WHERE grain_type = $type AND grain_id = $id AND etag = $expected";
                command.Parameters.AddWithValue("$expected", expected.Value);
            }
            return command.ExecuteNonQuery() == 1 ? null : StoredEtag(connection, stateName, id);
        }).ConfigureAwait(false);
        if (mismatch is not null)
        {
            throw new InconsistentStateException($"ETag mismatch writing {stateName} of {grainId}", mismatch, grainState.ETag);
        }
        grainState.ETag = ((expected ?? 0) + 1).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (grainState.ETag is not null)
        {
            var id = grainId.ToString();
            var expected = long.Parse(grainState.ETag, CultureInfo.InvariantCulture);
            var mismatch = await database.WriteAsync(connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = "DELETE FROM grain_state WHERE grain_type = $type AND grain_id = $id AND etag = $expected";
                command.Parameters.AddWithValue("$type", stateName);
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$expected", expected);
                return command.ExecuteNonQuery() == 1 ? null : StoredEtag(connection, stateName, id);
            }).ConfigureAwait(false);
            if (mismatch is not null)
            {
                throw new InconsistentStateException($"ETag mismatch clearing {stateName} of {grainId}", mismatch, grainState.ETag);
            }
        }
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private static string StoredEtag(SqliteConnection connection, string stateName, string grainId)
    {
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT etag FROM grain_state WHERE grain_type = $type AND grain_id = $id";
        select.Parameters.AddWithValue("$type", stateName);
        select.Parameters.AddWithValue("$id", grainId);
        return select.ExecuteScalar() is long etag ? etag.ToString(CultureInfo.InvariantCulture) : "none";
    }
}
