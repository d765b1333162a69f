using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.WebHost.Backup;

/// <summary>What a backup archive says about itself (<c>manifest.json</c>, its first entry).</summary>
public sealed record BackupManifest(string Format, int FormatVersion, DateTimeOffset CreatedAt, int SchemaVersion, int KeyFiles);

/// <summary>
/// One installation in one file (tar, gzip-compressed): <c>manifest.json</c>, <c>spotter.db</c> (a consistent copy of
/// the SQLite file: documents, the organisation, accounts, versions, attachments, audit log, search text) and
/// <c>keys/…</c> (token signing keys and the Data Protection key ring that encrypts them). The search index is not in
/// it: the server rebuilds it from the stored text at start.
/// </summary>
public static class BackupArchive
{
    public const string Format = "spotter-collab-backup";
    public const int FormatVersion = 1;
    public const string ManifestEntry = "manifest.json";
    public const string DatabaseEntry = "spotter.db";
    public const string KeysFolder = "keys/";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Writes the archive of a finished database copy and the key directory (skipped when absent).</summary>
    public static async Task<BackupManifest> WriteAsync(Stream output, string databaseCopy, int schemaVersion, string keyDirectory, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var keyFiles = Directory.Exists(keyDirectory)
            ? Directory.EnumerateFiles(keyDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : [];
        var manifest = new BackupManifest(Format, FormatVersion, createdAt, schemaVersion, keyFiles.Count);
        var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
            await using (tar.ConfigureAwait(false))
            {
                var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, s_json);
                var manifestEntry = new PaxTarEntry(TarEntryType.RegularFile, ManifestEntry) { DataStream = new MemoryStream(manifestBytes), Mode = SecureFiles.PrivateFile };
                await tar.WriteEntryAsync(manifestEntry, cancellationToken).ConfigureAwait(false);
                await WriteFileAsync(tar, databaseCopy, DatabaseEntry, cancellationToken).ConfigureAwait(false);
                foreach (var file in keyFiles)
                {
                    var relative = Path.GetRelativePath(keyDirectory, file).Replace(Path.DirectorySeparatorChar, '/');
                    await WriteFileAsync(tar, file, KeysFolder + relative, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        return manifest;
    }

    private static async Task WriteFileAsync(TarWriter tar, string path, string name, CancellationToken cancellationToken)
    {
        var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (source.ConfigureAwait(false))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = source, Mode = SecureFiles.PrivateFile };
            await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Unpacks <paramref name="archivePath"/> into an empty installation: the database to <paramref name="databasePath"/>
    /// and the keys to <paramref name="keyDirectory"/>. Nothing is put in place unless the whole archive is valid
    /// (format, entry names, intact database of a schema this build can migrate).
    /// </summary>
    /// <exception cref="SqliteBackupException">The archive is not a valid backup, or the target is not empty.</exception>
    public static async Task<BackupManifest> RestoreAsync(string archivePath, string databasePath, string keyDirectory, CancellationToken cancellationToken)
    {
        if (!File.Exists(archivePath)) throw new SqliteBackupException($"No backup archive at {archivePath}.");
        if (File.Exists(databasePath))
        {
            throw new SqliteBackupException($"{databasePath} already exists: restore into an empty data directory (Storage:DataDirectory), or move the current one away first.");
        }
        if (Directory.Exists(keyDirectory) && Directory.EnumerateFileSystemEntries(keyDirectory).Any())
        {
            throw new SqliteBackupException($"The key directory {keyDirectory} is not empty: restore into a fresh installation, or move it away first.");
        }
        var dataDirectory = Path.GetDirectoryName(databasePath)!;
        SecureFiles.CreatePrivateDirectory(dataDirectory);
        // Unpacked beside the target, so putting it in place is a rename on the same file system.
        var staging = Path.Combine(dataDirectory, $".restore-{Guid.NewGuid():N}");
        SecureFiles.CreatePrivateDirectory(staging);
        try
        {
            var manifest = await ExtractAsync(archivePath, staging, cancellationToken).ConfigureAwait(false);
            var database = Path.Combine(staging, DatabaseEntry);
            if (!File.Exists(database)) throw new SqliteBackupException("The archive holds no database (spotter.db).");
            SqliteBackup.Verify(database);
            File.Move(database, databasePath);
            var keys = Path.Combine(staging, "keys");
            if (Directory.Exists(keys))
            {
                SecureFiles.CreatePrivateDirectory(keyDirectory);
                foreach (var file in Directory.EnumerateFiles(keys, "*", SearchOption.AllDirectories))
                {
                    var target = Path.Combine(keyDirectory, Path.GetRelativePath(keys, file));
                    SecureFiles.CreatePrivateDirectory(Path.GetDirectoryName(target)!);
                    File.Move(file, target);
                }
            }
            return manifest;
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    private static async Task<BackupManifest> ExtractAsync(string archivePath, string staging, CancellationToken cancellationToken)
    {
        BackupManifest? manifest = null;
        try
        {
            var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (file.ConfigureAwait(false))
            {
                var gzip = new GZipStream(file, CompressionMode.Decompress);
                await using (gzip.ConfigureAwait(false))
                {
                    var tar = new TarReader(gzip);
                    await using (tar.ConfigureAwait(false))
                    {
                        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                        {
                            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                            {
                                throw new SqliteBackupException($"Unexpected entry {entry.Name} ({entry.EntryType}) in the archive.");
                            }
                            if (manifest is null)
                            {
                                manifest = await ReadManifestAsync(entry, cancellationToken).ConfigureAwait(false);
                                continue;
                            }
                            var target = Path.Combine(staging, SafeRelativePath(entry.Name));
                            SecureFiles.CreatePrivateDirectory(Path.GetDirectoryName(target)!);
                            await ExtractEntryAsync(entry, target, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new SqliteBackupException($"{archivePath} is not a readable backup archive (tar.gz): {ex.Message}", ex);
        }
        return manifest ?? throw new SqliteBackupException($"{archivePath} is empty.");
    }

    private static async Task<BackupManifest> ReadManifestAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Name != ManifestEntry || entry.DataStream is null) throw new SqliteBackupException($"Not a Spotter.Collab backup: the first entry is {entry.Name}, not {ManifestEntry}.");
        BackupManifest? manifest;
        try
        {
            manifest = await JsonSerializer.DeserializeAsync<BackupManifest>(entry.DataStream, s_json, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new SqliteBackupException($"The backup's manifest cannot be read: {ex.Message}", ex);
        }
        if (manifest is null || manifest.Format != Format) throw new SqliteBackupException("Not a Spotter.Collab backup: the manifest names another format.");
        if (manifest.FormatVersion > FormatVersion)
        {
            throw new SqliteBackupException($"The backup's format version {manifest.FormatVersion} is newer than this build's {FormatVersion}: restore it with a newer build.");
        }
        return manifest;
    }

    private static async Task ExtractEntryAsync(TarEntry entry, string target, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = SecureFiles.PrivateFile;
        var output = new FileStream(target, options);
        await using (output.ConfigureAwait(false))
        {
            if (entry.DataStream is not null) await entry.DataStream.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            output.Flush(flushToDisk: true);
        }
    }

    /// <summary>Only the entries a backup has, and never a path leaving the staging folder.</summary>
    private static string SafeRelativePath(string name)
    {
        var parts = name.Split('/');
        var valid = name == DatabaseEntry
            || (name.StartsWith(KeysFolder, StringComparison.Ordinal) && parts.Length >= 2
                && parts.All(p => p.Length > 0 && p != "." && p != ".." && !p.Contains('\\', StringComparison.Ordinal)));
        if (!valid) throw new SqliteBackupException($"Unexpected entry {name} in the archive.");
        return Path.Combine(parts);
    }
}
