using Microsoft.Data.Sqlite;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Backup;

/// <summary>
/// <c>Spotter.Collab.WebHost backup &lt;archive&gt;</c> and <c>restore &lt;archive&gt;</c>, with the server's own settings
/// (<c>appsettings.json</c>, environment, <c>--Key=value</c>) to find the data and key directories.
/// <c>backup</c> works while the server runs (another connection to the same file; WAL lets it read a snapshot
/// beside the server's writes); <c>restore</c> fills an empty data directory and is run with the server stopped.
/// </summary>
public static class BackupCommands
{
    public static bool IsCommand(string[] args) => args is ["backup" or "restore", ..];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Length < 2 || args[1].StartsWith("--", StringComparison.Ordinal))
        {
            await error.WriteLineAsync($"usage: Spotter.Collab.WebHost {(args.Length > 0 ? args[0] : "backup")} <archive.tar.gz> [--Storage:DataDirectory=<dir>] [--Auth:KeyDirectory=<dir>]");
            return 2;
        }
        var archive = Path.GetFullPath(args[1]);
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args[2..])
            .Build();
        var storage = configuration.GetSection(SqliteStoreOptions.SectionName).Get<SqliteStoreOptions>() ?? new SqliteStoreOptions();
        var tokens = configuration.GetSection(TokenOptions.SectionName).Get<TokenOptions>() ?? new TokenOptions();
        var keys = SigningKeyRing.KeyDirectoryOf(tokens, configuration);
        try
        {
            return args[0] == "backup"
                ? await BackupAsync(archive, storage.DatabasePath, keys, output, cancellationToken)
                : await RestoreAsync(archive, storage.DatabasePath, keys, output, cancellationToken);
        }
        catch (SqliteBackupException ex)
        {
            await error.WriteLineAsync($"{args[0]} failed: {ex.Message} Nothing was changed.");
            return 1;
        }
    }

    private static async Task<int> BackupAsync(string archive, string databasePath, string keys, TextWriter output, CancellationToken cancellationToken)
    {
        if (!File.Exists(databasePath)) throw new SqliteBackupException($"There is no database at {databasePath}: point Storage:DataDirectory at the installation's data directory.");
        if (File.Exists(archive)) throw new SqliteBackupException($"{archive} already exists.");
        var staging = Directory.CreateTempSubdirectory("spotter-backup-");
        try
        {
            var copy = Path.Combine(staging.FullName, BackupArchive.DatabaseEntry);
            int schemaVersion;
            using (var source = SqliteBackup.OpenUnpooled(databasePath, SqliteOpenMode.ReadWrite))
            {
                schemaVersion = SqliteBackup.Copy(source, copy);
            }
            BackupManifest manifest;
            var file = new FileStream(archive, InstallationBackup.NewPrivateFile());
            await using (file.ConfigureAwait(false))
            {
                manifest = await BackupArchive.WriteAsync(file, copy, schemaVersion, keys, TimeProvider.System.GetUtcNow(), cancellationToken);
            }
            await output.WriteLineAsync($"Backed up {databasePath} (schema {manifest.SchemaVersion}) and {manifest.KeyFiles} key files from {keys} to {archive}.");
            return 0;
        }
        finally
        {
            staging.Delete(recursive: true);
        }
    }

    private static async Task<int> RestoreAsync(string archive, string databasePath, string keys, TextWriter output, CancellationToken cancellationToken)
    {
        var manifest = await BackupArchive.RestoreAsync(archive, databasePath, keys, cancellationToken);
        await output.WriteLineAsync($"Restored the backup of {manifest.CreatedAt:u} (schema {manifest.SchemaVersion}) into {databasePath}, keys into {keys}.");
        await output.WriteLineAsync("Start the server with the same Storage:DataDirectory: it migrates the schema if needed and rebuilds the search index.");
        return 0;
    }
}
