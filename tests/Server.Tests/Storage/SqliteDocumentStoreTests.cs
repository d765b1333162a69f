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

    protected override async Task RejectAppendsOfAsync(string documentId)
    {
        using var database = new SqliteDatabase(Options);
        await database.WriteAsync(connection =>
        {
            using var trigger = connection.CreateCommand();
            trigger.CommandText = $"""
                CREATE TRIGGER reject_poison BEFORE INSERT ON doc_updates WHEN NEW.doc_id = '{documentId}'
                BEGIN SELECT RAISE(ABORT, 'poisoned'); END
                """;
            return trigger.ExecuteNonQuery();
        });
    }

    public void Dispose() => _directory.Dispose();
}
