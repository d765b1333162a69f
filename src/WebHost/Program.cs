using Spotter.Collab.WebHost;

await CollabServer.Build(args).RunAsync();
