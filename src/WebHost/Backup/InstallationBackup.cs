using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Backup;

/// <summary>
/// Online backup of the embedded installation while it serves: the SQLite file copied through the online backup API
/// on one of the database's reader threads (writes go on meanwhile), plus the key directory, packed into one archive
/// (<see cref="BackupArchive"/>). Registered only with the embedded silo; a cluster on PostgreSQL is backed up with
/// <c>pg_dump</c> (docs/deploy.md, Backup and restore).
/// </summary>
public sealed class InstallationBackup(SqliteDatabase database, IOptions<TokenOptions> tokens, IConfiguration configuration, TimeProvider time)
{
    /// <summary>Writes a new archive to <paramref name="archivePath"/> (created 0600; it holds the key ring).</summary>
    public async Task<BackupManifest> CreateAsync(string archivePath, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(archivePath);
        var staging = Directory.CreateTempSubdirectory("spotter-backup-");
        try
        {
            var copy = Path.Combine(staging.FullName, BackupArchive.DatabaseEntry);
            var schemaVersion = await database.BackupAsync(copy, cancellationToken).ConfigureAwait(false);
            var output = new FileStream(archivePath, NewPrivateFile());
            await using (output.ConfigureAwait(false))
            {
                var keys = SigningKeyRing.KeyDirectoryOf(tokens.Value, configuration);
                return await BackupArchive.WriteAsync(output, copy, schemaVersion, keys, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            staging.Delete(recursive: true);
        }
    }

    internal static FileStreamOptions NewPrivateFile()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = SecureFiles.PrivateFile;
        return options;
    }
}
