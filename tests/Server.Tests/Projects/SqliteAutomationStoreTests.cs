using Spotter.Collab.Grains.Projects;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Projects;

public sealed class SqliteAutomationStoreTests : AutomationStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    protected override IAutomationStore OpenStore() =>
        new SqliteAutomationStore(new SqliteDatabase(Microsoft.Extensions.Options.Options.Create(new SqliteStoreOptions { DataDirectory = _directory.Path })));

    public void Dispose() => _directory.Dispose();
}
