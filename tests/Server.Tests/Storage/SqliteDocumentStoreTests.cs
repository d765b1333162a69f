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

    [Fact]
    public void Secrets_are_created_once_and_kept()
    {
        var database = new SqliteDatabase(Options);
        var created = database.GetOrCreate("key", () => [1, 2, 3]);
        var again = database.GetOrCreate("key", () => [9]);
        Assert.Equal(new byte[] { 1, 2, 3 }, created);
        Assert.Equal(created, again);
    }

    public void Dispose() => _directory.Dispose();
}
