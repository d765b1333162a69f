using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Storage;

public sealed class SqliteDocumentStoreTests : DocumentStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    private IOptions<SqliteStoreOptions> Options => Microsoft.Extensions.Options.Options.Create(new SqliteStoreOptions { DataDirectory = _directory.Path });

    protected override GroupCommitDocumentStore OpenStore() =>
        new SqliteDocumentStore(new SqliteDatabase(Options), Options, NullLogger<SqliteDocumentStore>.Instance);

    public void Dispose() => _directory.Dispose();
}
