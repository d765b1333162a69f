using Xunit.Abstractions;

namespace Spotter.Collab.Crdt.Tests.Differential;

/// <summary>
/// Thousands of small seeded multi-replica scenarios (see <see cref="Scenario"/>) mixing C# engine docs and real
/// yjs docs: text with formats and embeds, maps with every "any" kind, arrays, XML trees; reordered, duplicated and
/// lost updates healed by sync step 1/2. Everything must converge, and engine docs must encode byte-identically to
/// their yjs mirrors. A failure names its seed: <c>SPOTTER_SEED=n</c> reruns just that case;
/// <c>SPOTTER_SOAK=1</c> runs twenty times as many.
/// </summary>
public sealed class DifferentialTests(OracleProcess oracle, ITestOutputHelper output) : IClassFixture<OracleProcess>
{
    private const int CasesPerBlock = 250;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void EngineAndYjsConverge(int block)
    {
        if (DifferentialSettings.Seed is not null && block > 0)
        {
            return; // a single rerun seed runs once, in block 0
        }

        CaseRunner.RunAll(DifferentialSettings.Seeds(first: block * CasesPerBlock * 20, count: CasesPerBlock), seed =>
        {
            new Scenario(seed, oracle, (clientId, gc) => new EngineReplica(clientId, gc), maxSteps: 40, checkUpdateFunctions: true).Run();
            if (seed % 200 == 0)
            {
                oracle.Call("destroyAll"); // keep the oracle's heap small over thousands of cases
            }
        }, output.WriteLine);
    }

    /// <summary>
    /// Single-doc peers, engine and yjs side by side in one lossy network: whatever bytes each produces, the
    /// replicas must end with the same content. Separates "wrong result" from "different bytes".
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MixedNetworkConverges(int block)
    {
        if (DifferentialSettings.Seed is not null && block > 0)
        {
            return;
        }

        CaseRunner.RunAll(DifferentialSettings.Seeds(first: 500_000 + (block * CasesPerBlock * 20), count: CasesPerBlock), seed =>
        {
            new Scenario(seed, oracle, (clientId, gc) => new EngineReplica(clientId, gc), maxSteps: 40, mirrors: false).Run();
            if (seed % 200 == 0)
            {
                oracle.Call("destroyAll");
            }
        }, output.WriteLine);
    }
}
