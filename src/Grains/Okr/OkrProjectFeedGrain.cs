using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spotter.Collab.Grains.Projects;

namespace Spotter.Collab.Grains.Okr;

/// <summary>
/// The key results fed from one project (keyed by the project id; docs/okr.md *Fed from projects*). The project hands
/// it every batch of durable events, one way, after its automation; it reads the project's items (as the person who
/// linked each key result, so a link never shows more than they may see), recomputes each linked key result and checks
/// it in with the source <c>project:&lt;id&gt;#&lt;sequence&gt;</c> when its value moved. Not reentrant: batches are
/// handled in order.
/// </summary>
public sealed partial class OkrProjectFeedGrain(IOkrStore store, ILogger<OkrProjectFeedGrain> logger) : Grain, IOkrProjectFeedGrain
{
    private List<OkrLinkRow>? _links;

    private string ProjectId => this.GetPrimaryKeyString();

    private async Task<List<OkrLinkRow>> LinksAsync() => _links ??= [.. await store.ReadProjectLinksAsync(ProjectId)];

    public Task Publish(IReadOnlyList<ProjectEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return events.Count == 0 ? Task.CompletedTask : Refresh($"project:{ProjectId}#{events[^1].Sequence}");
    }

    public async Task Link(string keyResultId, OkrProjectLink link, string linkedBy)
    {
        ArgumentNullException.ThrowIfNull(link);
        var links = await LinksAsync();
        var row = new OkrLinkRow(keyResultId, link, linkedBy);
        await store.SaveProjectLinkAsync(ProjectId, row);
        links.RemoveAll(l => l.KeyResultId == keyResultId);
        links.Add(row);
        await UpdateAsync([row], $"project:{ProjectId}");
    }

    public async Task Refresh(string? source)
    {
        var links = await LinksAsync();
        if (links.Count > 0) await UpdateAsync(links, source ?? $"project:{ProjectId}");
    }

    private async Task UpdateAsync(IReadOnlyList<OkrLinkRow> links, string source)
    {
        var project = GrainFactory.GetGrain<IDocumentGrain>(ProjectId);
        foreach (var byPerson in links.GroupBy(l => l.LinkedBy, StringComparer.Ordinal))
        {
            var read = await project.Execute(byPerson.Key, new ListProjectItems());
            if (read.IsRejected || read.Reply is null)
            {
                LogUnreadable(logger, ProjectId, byPerson.Key, read.RejectCode);
                continue;
            }
            var items = JsonSerializer.Deserialize<List<ProjectItemView>>(read.Reply, JsonSerializerOptions.Web) ?? [];
            foreach (var link in byPerson)
            {
                if (OkrSchema.ObjectiveOf(link.KeyResultId) is not { } objectiveId) continue;
                var value = Measure(link.Link, items);
                var result = await GrainFactory.GetGrain<IDocumentGrain>(objectiveId).Execute(link.LinkedBy,
                    new CheckInKeyResult(link.KeyResultId, value, null, $"{link.Link.Measure} from project", source));
                if (result.IsRejected) LogRefused(logger, link.KeyResultId, ProjectId, result.RejectCode);
            }
        }
    }

    /// <summary>The linked measure of the project's items (docs/okr.md).</summary>
    public static double Measure(OkrProjectLink link, IReadOnlyList<ProjectItemView> items)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(items);
        bool Matches(ProjectItemView item) =>
            (link.ItemType is null || item.Type == link.ItemType) && (link.Label is null || item.Labels.Contains(link.Label, StringComparer.Ordinal));
        return link.Measure switch
        {
            OkrValues.NodeDone => items.FirstOrDefault(i => i.Id == link.ItemId)?.Nodes.FirstOrDefault(n => n.Key == link.NodeKey) is { } node
                && NodeStatuses.IsFinished(node.Status) ? 1 : 0,
            OkrValues.EstimateDone => items.Where(Matches).SelectMany(i => i.Nodes).Where(n => n.Status == NodeStatuses.Done).Sum(n => n.Estimate ?? 0),
            _ => items.Count(i => Matches(i) && i.Status == NodeStatuses.Done),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Project {ProjectId} could not be read as {Username} for its linked key results ({Code})")]
    private static partial void LogUnreadable(ILogger logger, string projectId, string username, string? code);

    [LoggerMessage(Level = LogLevel.Information, Message = "Key result {KeyResultId} refused the check-in fed from project {ProjectId} ({Code})")]
    private static partial void LogRefused(ILogger logger, string keyResultId, string projectId, string? code);
}
