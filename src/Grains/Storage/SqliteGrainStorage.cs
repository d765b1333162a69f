using System.Globalization;
using Microsoft.Data.Sqlite;
using Orleans.Serialization;
using Orleans.Storage;

namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// Orleans grain persistence on the embedded SQLite file (Orleans ships no SQLite provider).
/// The ETag is a row version: a write whose ETag does not match the stored one fails with
/// <see cref="InconsistentStateException"/>, exactly as the built-in providers do.
/// </summary>
public sealed class SqliteGrainStorage(SqliteDatabase database, Serializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        await using var connection = database.Open();
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT etag, data FROM grain_state WHERE grain_type = $type AND grain_id = $id";
        select.Parameters.AddWithValue("$type", stateName);
        select.Parameters.AddWithValue("$id", grainId.ToString());
        await using var reader = await select.ExecuteReaderAsync().ConfigureAwait(false);
        if (!await reader.ReadAsync().ConfigureAwait(false))
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.ETag = reader.GetInt64(0).ToString(CultureInfo.InvariantCulture);
        grainState.State = serializer.Deserialize<T>((byte[])reader.GetValue(1));
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var data = serializer.SerializeToArray(grainState.State);
        await using var connection = database.Open();
        await using var command = connection.CreateCommand();
        command.Parameters.AddWithValue("$type", stateName);
        command.Parameters.AddWithValue("$id", grainId.ToString());
        command.Parameters.AddWithValue("$data", data);
        long newEtag;
        if (grainState.ETag is null)
        {
            command.CommandText = "INSERT INTO grain_state(grain_type, grain_id, etag, data) VALUES ($type, $id, 1, $data) ON CONFLICT DO NOTHING";
            newEtag = 1;
        }
        else
        {
            var expected = long.Parse(grainState.ETag, CultureInfo.InvariantCulture);
            command.CommandText = "UPDATE grain_state SET etag = $expected + 1, data = $data WHERE grain_type = $type AND grain_id = $id AND etag = $expected";
            command.Parameters.AddWithValue("$expected", expected);
            newEtag = expected + 1;
        }
        if (await command.ExecuteNonQueryAsync().ConfigureAwait(false) != 1)
        {
            throw new InconsistentStateException($"ETag mismatch writing {stateName} of {grainId}", await StoredEtagAsync(connection, stateName, grainId).ConfigureAwait(false), grainState.ETag);
        }
        grainState.ETag = newEtag.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (grainState.ETag is not null)
        {
            await using var connection = database.Open();
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM grain_state WHERE grain_type = $type AND grain_id = $id AND etag = $expected";
            command.Parameters.AddWithValue("$type", stateName);
            command.Parameters.AddWithValue("$id", grainId.ToString());
            command.Parameters.AddWithValue("$expected", long.Parse(grainState.ETag, CultureInfo.InvariantCulture));
            if (await command.ExecuteNonQueryAsync().ConfigureAwait(false) != 1)
            {
                throw new InconsistentStateException($"ETag mismatch clearing {stateName} of {grainId}", await StoredEtagAsync(connection, stateName, grainId).ConfigureAwait(false), grainState.ETag);
            }
        }
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private static async Task<string> StoredEtagAsync(SqliteConnection connection, string stateName, GrainId grainId)
    {
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT etag FROM grain_state WHERE grain_type = $type AND grain_id = $id";
        select.Parameters.AddWithValue("$type", stateName);
        select.Parameters.AddWithValue("$id", grainId.ToString());
        var value = await select.ExecuteScalarAsync().ConfigureAwait(false);
        return value is long etag ? etag.ToString(CultureInfo.InvariantCulture) : "none";
    }
}
