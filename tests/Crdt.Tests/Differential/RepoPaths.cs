namespace Spotter.Collab.Crdt.Tests.Differential;

/// <summary>Locates the repository (and the shared data beside it) from the test assembly's directory.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string RepoRoot => Root.Value;

    public static string OracleDirectory => Path.Combine(RepoRoot, "tests", "oracle");

    public static string EditingTraces => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data", "editing-traces"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Spotter.Collab.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Spotter.Collab.sln not found above {AppContext.BaseDirectory}");
    }
}
