using System.Text.Json.Nodes;

namespace Spotter.Collab.Crdt.Tests.Differential;

/// <summary>Checks the harness itself against yjs alone, so a harness bug is not mistaken for an engine bug.</summary>
public sealed class OracleHarnessTests(OracleProcess oracle) : IClassFixture<OracleProcess>
{
    [Fact]
    public void YjsOnlyScenariosConverge()
    {
        CaseRunner.RunAll(DifferentialSettings.Seeds(first: 1_000_000, count: 40), seed => new Scenario(seed, oracle, engineFactory: null, maxSteps: 40).Run());
    }

    [Fact]
    public void OracleReportsYjsErrors()
    {
        var replica = new YjsReplica(oracle, "harness-errors", 7, gc: true);
        var bad = new JsonObject { ["type"] = "text", ["name"] = Roots.Text, ["op"] = "nonsense" };
        Assert.Throws<OracleException>(() => replica.Transact([bad]));
        // The process stays usable after an error.
        Assert.Equal("AA==", Convert.ToBase64String(replica.StateVector()));
    }
}
