using Spotter.Collab.WebHost;
using Spotter.Collab.WebHost.Backup;

if (BackupCommands.IsCommand(args)) return await BackupCommands.RunAsync(args, Console.Out, Console.Error);

await CollabServer.Build(args).RunAsync();
return 0;
