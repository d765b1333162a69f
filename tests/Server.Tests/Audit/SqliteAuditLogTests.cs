using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Audit;

public sealed class SqliteAuditLogTests : AuditLogContractTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    protected override IAuditLog OpenLog() =>
        new SqliteAuditLog(new SqliteDatabase(Options.Create(new SqliteStoreOptions { DataDirectory = _directory.Path })));

    public void Dispose() => _directory.Dispose();
}
