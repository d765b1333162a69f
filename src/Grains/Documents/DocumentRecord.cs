namespace Spotter.Collab.Grains.Documents;

/// <summary>Persisted metadata and ACL of a document (content lives in the update log).</summary>
[GenerateSerializer, Alias("spotter.DocumentRecord")]
public sealed class DocumentRecord
{
    [Id(0)] public string Title { get; set; } = "";
    [Id(1)] public Dictionary<string, DocumentRole> Members { get; set; } = [];
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
}
