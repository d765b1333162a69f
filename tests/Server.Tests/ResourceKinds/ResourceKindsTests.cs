using Spotter.Collab.Grains.Documents;
using KindRegistry = Spotter.Collab.Grains.Documents.ResourceKinds;

namespace Spotter.Collab.Server.Tests.ResourceKinds;

/// <summary>How a resource id resolves to its kind: the longest claiming prefix wins, the empty prefix is the default.</summary>
public sealed class ResourceKindsTests
{
    private sealed class Kind(string name, string prefix) : IResourceKind
    {
        public string Name => name;

        public string IdPrefix => prefix;

        public LiveResourceExtension Attach(ILiveResource resource) => LiveResourceExtension.None;
    }

    [Fact]
    public void The_most_specific_kind_claims_an_id_and_the_empty_prefix_takes_the_rest()
    {
        var page = new Kind("page", "");
        var board = new Kind("board", "board-");
        var archived = new Kind("archived board", "board-archived-");
        var kinds = new KindRegistry([page, archived, board]);

        Assert.Same(board, kinds.Resolve("board-1f2e"));
        Assert.Same(archived, kinds.Resolve("board-archived-1f2e"));
        Assert.Same(page, kinds.Resolve("0123456789abcdef0123456789abcdef"));
        Assert.Null(new KindRegistry([board]).Resolve("0123456789abcdef0123456789abcdef"));
    }

    [Fact]
    public void Two_kinds_with_one_prefix_are_refused_at_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new KindRegistry([new Kind("board", "board-"), new Kind("kanban", "board-")]));
        Assert.Contains("board, kanban", error.Message, StringComparison.Ordinal);
    }
}
