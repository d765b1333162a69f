using Spotter.Collab.Grains.Okr;

namespace Spotter.Collab.Server.Tests.Okr;

/// <summary>What every <see cref="IOkrStore"/> must do; run on SQLite here and on PostgreSQL in Cluster.Tests.</summary>
public abstract class OkrStoreContractTests
{
    protected abstract IOkrStore OpenStore();

    private static readonly DateTimeOffset At = new(2026, 12, 7, 9, 30, 15, 250, TimeSpan.Zero);

    [Fact]
    public async Task Cycles_are_stored_listed_latest_first_and_change_status()
    {
        var store = OpenStore();
        var q1 = new OkrCycle(OkrSchema.NewCycleId(), "2027 Q1 目标", "quarter", new DateOnly(2027, 1, 1), new DateOnly(2027, 3, 31), OkrCycles.Draft, At);
        var year = new OkrCycle(OkrSchema.NewCycleId(), "2027", "year", new DateOnly(2027, 1, 1), new DateOnly(2027, 12, 31), OkrCycles.Active, At);
        var later = new OkrCycle(OkrSchema.NewCycleId(), "2027 Q2", "quarter", new DateOnly(2027, 4, 1), new DateOnly(2027, 6, 30), OkrCycles.Draft, At);
        await store.CreateCycleAsync(q1);
        await store.CreateCycleAsync(year);
        await store.CreateCycleAsync(later);
        await Assert.ThrowsAnyAsync<Exception>(() => store.CreateCycleAsync(q1));

        var cycles = (await store.ListCyclesAsync()).Where(c => c.Id == q1.Id || c.Id == year.Id || c.Id == later.Id).ToList();
        Assert.Equal(later, cycles[0]);
        Assert.Equal(new[] { q1, year }.OrderBy(c => c.Id, StringComparer.Ordinal), cycles.Skip(1));
        Assert.True(await store.SetCycleStatusAsync(q1.Id, OkrCycles.Closed));
        Assert.False(await store.SetCycleStatusAsync(OkrSchema.NewCycleId(), OkrCycles.Closed));
        Assert.Equal(OkrCycles.Closed, (await store.ListCyclesAsync()).Single(c => c.Id == q1.Id).Status);
    }

    [Fact]
    public async Task Check_ins_read_back_whole_oldest_first_per_key_result()
    {
        var store = OpenStore();
        var objective = OkrSchema.NewObjectiveId();
        var kr = OkrSchema.NewKeyResultId(objective);
        var other = OkrSchema.NewKeyResultId(objective);
        OkrCheckIn[] checkIns =
        [
            new(kr, objective, 12.5, 7, "首次", "ann", null, At),
            new(kr, objective, 3, null, null, "bob", "project:p#4", At.AddMinutes(1)),
            new(kr, objective, -1e9, 0, "", "ann", null, At.AddMinutes(2)),
        ];
        foreach (var checkIn in checkIns) await store.AppendCheckInAsync(checkIn);
        await store.AppendCheckInAsync(new(other, objective, 1, 1, null, "ann", null, At));
        Assert.Equal(checkIns, await store.ReadCheckInsAsync(kr));
        Assert.Empty(await store.ReadCheckInsAsync(OkrSchema.NewKeyResultId(objective)));
    }

    [Fact]
    public async Task A_cycle_graph_keeps_its_nodes_last_progress_and_its_alignments()
    {
        var store = OpenStore();
        var cycle = OkrSchema.NewCycleId();
        var parent = OkrSchema.NewObjectiveId();
        var child = OkrSchema.NewObjectiveId();
        var kr = OkrSchema.NewKeyResultId(child);
        await store.SaveNodesAsync(cycle, [new(parent, parent, "Grow", 0, ["ann"]), new(child, child, "Ship", 0.25, ["bob", "cai"]), new(kr, child, "Release", 0.5, ["bob", "cai"])]);
        await store.SaveNodesAsync(cycle, [new(child, child, "Ship it", 0.75, ["bob"])]);
        await store.SaveNodesAsync(OkrSchema.NewCycleId(), [new(parent, parent, "elsewhere", 1, [])]);
        var nodes = await store.ReadNodesAsync(cycle);
        Assert.Equal(3, nodes.Count);
        var shipped = nodes.Single(n => n.Id == child);
        Assert.Equal(("Ship it", 0.75), (shipped.Title, shipped.Progress));
        Assert.Equal(["bob"], shipped.Owners);

        await store.AddAlignmentAsync(cycle, new(child, parent));
        await store.AddAlignmentAsync(cycle, new(kr, parent));
        await store.AddAlignmentAsync(cycle, new(kr, parent));
        Assert.Equal(new[] { new OkrAlignment(child, parent), new OkrAlignment(kr, parent) }.OrderBy(a => a.From, StringComparer.Ordinal), await store.ReadAlignmentsAsync(cycle));
        Assert.True(await store.RemoveAlignmentAsync(cycle, new(kr, parent)));
        Assert.False(await store.RemoveAlignmentAsync(cycle, new(kr, parent)));
        Assert.Equal([new OkrAlignment(child, parent)], await store.ReadAlignmentsAsync(cycle));
    }

    [Fact]
    public async Task Project_links_are_kept_per_project_and_replaced_per_key_result()
    {
        var store = OpenStore();
        var project = "project-" + Guid.NewGuid().ToString("N");
        var objective = OkrSchema.NewObjectiveId();
        var kr = OkrSchema.NewKeyResultId(objective);
        await store.SaveProjectLinkAsync(project, new OkrLinkRow(kr, new OkrProjectLink(project, OkrValues.ItemsDone, "defect", "p1"), "ann"));
        await store.SaveProjectLinkAsync(project, new OkrLinkRow(kr, new OkrProjectLink(project, OkrValues.NodeDone, ItemId: "i1", NodeKey: "release"), "bob"));
        var links = await store.ReadProjectLinksAsync(project);
        Assert.Equal([new OkrLinkRow(kr, new OkrProjectLink(project, OkrValues.NodeDone, ItemId: "i1", NodeKey: "release"), "bob")], links);
        Assert.Empty(await store.ReadProjectLinksAsync("project-" + Guid.NewGuid().ToString("N")));
    }
}
