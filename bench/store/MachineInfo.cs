using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Spotter.Collab.StoreBench;

/// <summary>What the figures were measured on, for the table's caption.</summary>
internal sealed class MachineInfo
{
    public required DateTime StartedUtc { get; init; }
    public required string Cpu { get; init; }
    public required int Cores { get; init; }
    public required string Runtime { get; init; }
    public required string SqliteVersion { get; init; }
    public required string LoadAverageBefore { get; init; }
    public string PostgresVersion { get; set; } = "";
    public string LoadAverageAfter { get; set; } = "";

    public static MachineInfo Capture()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sqlite_version()";
        return new MachineInfo
        {
            StartedUtc = DateTime.UtcNow,
            Cpu = CpuModel(),
            Cores = Environment.ProcessorCount,
            Runtime = $".NET {Environment.Version} ({RuntimeInformation.OSArchitecture})",
            SqliteVersion = "SQLite " + (string)command.ExecuteScalar()!,
            LoadAverageBefore = LoadAverage(),
        };
    }

    public static string LoadAverage()
    {
        const string path = "/proc/loadavg";
        return File.Exists(path) ? string.Join(' ', File.ReadAllText(path).Split(' ').Take(3)) : "?";
    }

    private static string CpuModel()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path)) return RuntimeInformation.ProcessArchitecture.ToString();
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? "?" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{StartedUtc:yyyy-MM-dd HH:mm} UTC, {Cpu}, {Cores} cores, {Runtime}, {PostgresVersion}, {SqliteVersion}");
}
