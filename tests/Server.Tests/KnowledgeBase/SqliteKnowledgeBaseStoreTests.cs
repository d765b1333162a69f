using Spotter.Collab.Grains.KnowledgeBase.Storage;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.KnowledgeBase;

public sealed class SqliteKnowledgeBaseStoreTests : KnowledgeBaseStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    protected override IKnowledgeBaseStore OpenStore(TimeProvider time) =>
        new SqliteKnowledgeBaseStore(new SqliteDatabase(Microsoft.Extensions.Options.Options.Create(new SqliteStoreOptions { DataDirectory = _directory.Path })), time: time);

    public void Dispose() => _directory.Dispose();
}
