using System.Text.RegularExpressions;

namespace Spotter.Collab.Server.Tests.Conventions;

/// <summary>
/// The server reads time only from the injected <see cref="TimeProvider"/>, so tests can drive it with a fake clock
/// and no code path quietly runs on wall time. The CRDT engine is a library with its own optional provider and is
/// not scanned.
/// </summary>
public sealed partial class ClockTests
{
    /// <summary>Files (relative to src/, with forward slashes) that may read the system clock directly, and why.</summary>
    private static readonly Dictionary<string, string> Allowed = new(StringComparer.Ordinal)
    {
    };

    [GeneratedRegex(@"\bDateTime(Offset)?\s*\.\s*(UtcNow|Now|Today)\b")]
    private static partial Regex SystemClock();

    [Theory]
    [InlineData("var now = DateTimeOffset.UtcNow;")]
    [InlineData("Expires = DateTime.UtcNow + lifetime")]
    [InlineData("if (DateTime.Now > x)")]
    [InlineData("var day = DateTime.Today;")]
    public void The_scan_recognises_a_read_of_the_system_clock(string line) => Assert.Matches(SystemClock(), line);

    [Theory]
    [InlineData("var now = time.GetUtcNow();")]
    [InlineData("// TimeProvider instead of DateTimeOffset.UtcNowish names")]
    public void The_scan_leaves_the_injected_clock_alone(string line) => Assert.DoesNotMatch(SystemClock(), line);

    [Fact]
    public void Server_code_reads_time_only_from_the_injected_TimeProvider()
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(src, path).Replace('\\', '/'))
            .Where(path => !path.StartsWith("Crdt/", StringComparison.Ordinal))
            .Where(path => !path.Split('/').Any(part => part is "obj" or "bin"))
            .ToList();
        Assert.True(files.Count > 50, $"only {files.Count} source files found under {src}");

        var offenders = new List<string>();
        foreach (var file in files.Where(f => !Allowed.ContainsKey(f)))
        {
            var lines = File.ReadAllLines(Path.Combine(src, file));
            for (var i = 0; i < lines.Length; i++)
            {
                if (SystemClock().IsMatch(lines[i])) offenders.Add($"src/{file}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(offenders.Count == 0, "inject TimeProvider and call GetUtcNow() instead of reading the system clock:\n" + string.Join('\n', offenders));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Spotter.Collab.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Spotter.Collab.sln not found above " + AppContext.BaseDirectory);
    }
}
