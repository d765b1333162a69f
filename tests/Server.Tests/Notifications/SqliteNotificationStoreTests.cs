using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.Notifications;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Notifications;

public sealed class SqliteNotificationStoreTests : NotificationStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly List<SqliteDatabase> _databases = [];

    protected override INotificationStore OpenStore()
    {
        var database = new SqliteDatabase(Options.Create(new SqliteStoreOptions { DataDirectory = _directory.Path }));
        _databases.Add(database);
        return new SqliteNotificationStore(database);
    }

    public void Dispose()
    {
        foreach (var database in _databases) database.Dispose();
        _directory.Dispose();
    }
}
