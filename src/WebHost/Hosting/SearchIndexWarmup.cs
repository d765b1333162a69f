using Spotter.Collab.Grains.KnowledgeBase;

namespace Spotter.Collab.WebHost.Hosting;

/// <summary>
/// Activates the search index at start, in the background: its first activation loads SmartCn's dictionaries and
/// rebuilds the in-memory index from the stored texts (seconds), which would otherwise land on the first edit or
/// search after a start and push that edit past the 5-second search freshness target.
/// </summary>
public sealed partial class SearchIndexWarmup(IGrainFactory grains, ILogger<SearchIndexWarmup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await grains.GetGrain<ISearchIndexGrain>("default").Search("warmup", 1);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogWarmupFailed(logger, ex);
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warming up the search index failed; the first search will activate it")]
    private static partial void LogWarmupFailed(ILogger logger, Exception exception);
}
