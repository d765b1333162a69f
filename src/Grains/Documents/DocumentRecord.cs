namespace Spotter.Collab.Grains.Documents;

/// <summary>Persisted metadata of a document (content lives in the update log, access in the organisation grain).
/// <see cref="Members"/> is only read to migrate documents created before the organisation grain.</summary>
[GenerateSerializer, Alias("spotter.DocumentRecord")]
public sealed class DocumentRecord
{
    [Id(0)] public string Title { get; set; } = "";
    [Id(1)] public Dictionary<string, DocumentRole> Members { get; set; } = [];
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
}
