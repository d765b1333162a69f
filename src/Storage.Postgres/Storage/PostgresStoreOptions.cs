namespace Spotter.Collab.Grains.Storage;

public sealed class PostgresStoreOptions
{
    public const string SectionName = "Storage";

    /// <summary>Upper bound on writes committed in one group-commit transaction.</summary>
    public int MaxBatchSize { get; set; } = 512;
}
