namespace Spotter.Collab.Grains.Storage;

/// <summary>Directories and files only the service's own account may read (0700 / 0600 on Unix).</summary>
public static class SecureFiles
{
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the directory 0700, or narrows an existing one to 0700.</summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, PrivateDirectory);
        File.SetUnixFileMode(path, PrivateDirectory);
    }

    /// <summary>Narrows the files directly in <paramref name="directory"/> to 0600 (e.g. a data directory made
    /// before modes were enforced). Not recursive: the directory's own 0700 already keeps everyone else out.</summary>
    public static void RestrictFiles(string directory)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(directory)) return;
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            File.SetUnixFileMode(file, PrivateFile);
        }
    }

    /// <summary>Writes the file so that it is 0600 from its first byte.</summary>
    public static void WritePrivate(string path, byte[] content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateFile;
        using (var stream = new FileStream(path, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, PrivateFile);
    }
}
