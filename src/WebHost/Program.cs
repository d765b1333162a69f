using Spotter.Collab.WebHost;
using Spotter.Collab.WebHost.Backup;
using Spotter.Collab.WebHost.Hosting;

if (BackupCommands.IsCommand(args)) return await BackupCommands.RunAsync(args, Console.Out, Console.Error);

var app = CollabServer.Build(args);
// Checked before anything starts, so a second instance says which port and which setting instead of failing deep
// inside Kestrel or Orleans.
if (StartupReport.PortConflicts(app) is { Count: > 0 } conflicts)
{
    await Console.Error.WriteLineAsync(StartupReport.ConflictMessage(conflicts));
    return 1;
}
await app.StartAsync();
await Console.Out.WriteLineAsync(StartupReport.Banner(app));
await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;
