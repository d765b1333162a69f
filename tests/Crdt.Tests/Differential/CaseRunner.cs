using System.Diagnostics;
using System.Text;
using Xunit.Sdk;

namespace Spotter.Collab.Crdt.Tests.Differential;

/// <summary>
/// Runs many seeded cases and, instead of stopping at the first failure, groups every failure by category so one
/// run tells how many distinct divergences there are and which seeds reproduce each.
/// </summary>
public static class CaseRunner
{
    public static void RunAll(IEnumerable<int> seeds, Action<int> runCase, Action<string>? log = null)
    {
        var failures = new List<DifferentialFailure>();
        var total = 0;
        var clock = Stopwatch.StartNew();
        foreach (var seed in seeds)
        {
            total++;
            try
            {
                runCase(seed);
            }
            catch (DifferentialFailure failure)
            {
                failures.Add(failure);
            }
        }

        log?.Invoke($"{total} cases in {clock.Elapsed.TotalSeconds:0.0} s, {failures.Count} failed");
        if (failures.Count == 0)
        {
            return;
        }

        var report = new StringBuilder();
        report.AppendLine($"{failures.Count} of {total} differential cases failed, in {failures.Select(f => f.Category).Distinct().Count()} categories:");
        foreach (var group in failures.GroupBy(f => f.Category).OrderByDescending(g => g.Count()))
        {
            report.AppendLine($"  {group.Count(),5} × {group.Key} — seeds {string.Join(", ", group.Take(5).Select(f => f.Seed))}{(group.Count() > 5 ? ", …" : "")}");
        }

        foreach (var group in failures.GroupBy(f => f.Category).OrderByDescending(g => g.Count()))
        {
            var first = group.First().Message;
            report.AppendLine().AppendLine($"--- first case of \"{group.Key}\":").AppendLine(first.Length > 4000 ? first[..4000] + "…" : first);
        }

        throw new XunitException(report.ToString());
    }
}
