using System.Reflection;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.WebHost;
using Spotter.Collab.WebHost.Api;

namespace Spotter.Collab.Server.Tests.Conventions;

/// <summary>
/// The layers of docs/architecture.md, read from the built assemblies: the web layer (src/Web) reaches the cluster
/// through grain interfaces only, and the grains carry no database driver (the stores are src/Storage.*). A project
/// reference added back, directly or through another of our assemblies, fails here.
/// </summary>
public sealed class LayerTests
{
    private static readonly Assembly WebLayer = typeof(Problems).Assembly;
    private static readonly Assembly Grains = typeof(DocumentGrain).Assembly;
    private static readonly Assembly CompositionRoot = typeof(CollabServer).Assembly;

    private static readonly string[] DatabaseDrivers = ["Npgsql", "Microsoft.Data.Sqlite", "SQLitePCLRaw.core"];

    [Fact]
    public void The_web_layer_references_grain_interfaces_but_no_grain_implementation_or_engine()
    {
        var ours = ReferencedAssemblies(WebLayer).Where(IsOurs).ToList();

        Assert.Equal(["Spotter.Collab.Grains.Abstractions"], ours);
    }

    [Fact]
    public void The_web_layer_references_no_database_driver()
    {
        Assert.Empty(ReferencedAssemblies(WebLayer).Intersect(DatabaseDrivers));
    }

    [Fact]
    public void Grains_reference_no_database_driver_and_no_store_project()
    {
        var references = ReferencedAssemblies(Grains);

        Assert.Empty(references.Intersect(DatabaseDrivers));
        Assert.DoesNotContain(references, name => name.StartsWith("Spotter.Collab.Storage.", StringComparison.Ordinal));
    }

    /// <summary>The scan sees what it looks for: the composition root does reach the grains, the engine and both stores.</summary>
    [Fact]
    public void The_scan_finds_the_references_of_the_composition_root()
    {
        var references = ReferencedAssemblies(CompositionRoot);

        Assert.Contains("Spotter.Collab.Web", references);
        Assert.Contains("Spotter.Collab.Grains", references);
        Assert.Contains("Spotter.Collab.Crdt", references);
        Assert.Contains("Spotter.Collab.Storage.Sqlite", references);
        Assert.Contains("Npgsql", references);
    }

    /// <summary>Names of the assemblies <paramref name="assembly"/> references, followed through our own assemblies
    /// (a reference through another Spotter.Collab assembly counts too).</summary>
    private static HashSet<string> ReferencedAssemblies(Assembly assembly)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<Assembly>([assembly]);
        while (pending.TryDequeue(out var next))
        {
            foreach (var reference in next.GetReferencedAssemblies())
            {
                if (reference.Name is not { } name || !seen.Add(name) || !IsOurs(name)) continue;
                pending.Enqueue(Assembly.Load(reference));
            }
        }
        return seen;
    }

    private static bool IsOurs(string name) => name.StartsWith("Spotter.Collab.", StringComparison.Ordinal);
}
