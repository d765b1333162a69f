using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.Okr;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Okr;

public sealed class SqliteOkrStoreTests : OkrStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly List<SqliteDatabase> _databases = [];

    protected override IOkrStore OpenStore()
    {
        var database = new SqliteDatabase(Options.Create(new SqliteStoreOptions { DataDirectory = _directory.Path }));
        _databases.Add(database);
        return new SqliteOkrStore(database);
    }

    public void Dispose()
    {
        foreach (var database in _databases) database.Dispose();
        _directory.Dispose();
    }
}
