namespace Spotter.Collab.Grains.Storage;

public sealed class SqliteStoreOptions
{
    public const string SectionName = "Storage";

    /// <summary>Directory holding the database file; created on first start.</summary>
    public string DataDirectory { get; set; } = "data";

    public string FileName { get; set; } = "spotter.db";

    /// <summary>Upper bound on updates committed in one group-commit transaction.</summary>
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>Dedicated threads for reads (documents loading, grain state); writes have one thread of their own.</summary>
    public int ReaderThreads { get; set; } = 2;

    public string DatabasePath => Path.GetFullPath(Path.Combine(DataDirectory, FileName));
}
