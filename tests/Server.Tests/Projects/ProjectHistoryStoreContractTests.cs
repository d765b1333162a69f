using Spotter.Collab.Grains.Projects;

namespace Spotter.Collab.Server.Tests.Projects;

/// <summary>What every <see cref="IProjectHistoryStore"/> must do; run on SQLite here and on PostgreSQL in
/// Cluster.Tests.</summary>
public abstract class ProjectHistoryStoreContractTests
{
    protected abstract IProjectHistoryStore OpenStore();

    private static readonly DateTimeOffset At = new(2026, 12, 7, 9, 30, 15, 250, TimeSpan.Zero);

    private static ProjectEvent Event(string project, long sequence, string? item = "i1", string type = ProjectEventTypes.NodeStarted) =>
        new(project, sequence, type, "ann", At.AddMinutes(sequence), item, item is null ? null : "Login 页面", "design", "status", "not_started", "in_progress",
            sequence % 2 == 0 ? "override: started before design" : null, (int)(sequence % 3));

    [Fact]
    public async Task Events_read_back_whole_newest_first_per_project_and_item()
    {
        var store = OpenStore();
        var project = ProjectSchema.NewId();
        Assert.Equal(0, await store.LastSequenceAsync(project));
        await store.AppendAsync([Event(project, 1), Event(project, 2, "i2"), Event(project, 3, null, ProjectEventTypes.ItemOverdue)]);
        await store.AppendAsync([Event(project, 4)]);
        await store.AppendAsync([Event(ProjectSchema.NewId(), 1)]);

        Assert.Equal(4, await store.LastSequenceAsync(project));
        var all = await store.ReadAsync(project, null, null, 100);
        Assert.Equal([4L, 3, 2, 1], all.Select(e => e.Sequence));
        Assert.Equal(Event(project, 3, null, ProjectEventTypes.ItemOverdue), all[1]);
        Assert.Equal(Event(project, 2, "i2"), all[2]);
        Assert.Equal([4L, 1], (await store.ReadAsync(project, "i1", null, 100)).Select(e => e.Sequence));
        Assert.Equal([3L, 2], (await store.ReadAsync(project, null, 4, 2)).Select(e => e.Sequence));
        Assert.Empty(await store.ReadAsync(ProjectSchema.NewId(), null, null, 100));
    }

    [Fact]
    public async Task An_append_with_a_sequence_already_stored_fails_whole()
    {
        var store = OpenStore();
        var project = ProjectSchema.NewId();
        await store.AppendAsync([Event(project, 1), Event(project, 2)]);
        await Assert.ThrowsAnyAsync<Exception>(() => store.AppendAsync([Event(project, 3), Event(project, 2)]));
        Assert.Equal(2, await store.LastSequenceAsync(project));
        Assert.Equal([2L, 1], (await store.ReadAsync(project, null, null, 100)).Select(e => e.Sequence));
    }
}
