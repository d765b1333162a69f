using System.Globalization;

namespace Spotter.Collab.StoreBench;

internal sealed class BenchSettings
{
    public int Rounds { get; private set; } = 5;
    public int Warmup { get; private set; } = 1;
    public TimeSpan RoundDuration { get; private set; } = TimeSpan.FromSeconds(3);
    /// <summary>Concurrent appenders on the one hot document at the store level (a grain issues appends while earlier ones commit).</summary>
    public int HotDocWriters { get; private set; } = 64;
    /// <summary>SignalR clients typing into the hot document end to end.</summary>
    public int HotDocClients { get; private set; } = 32;
    public int Documents { get; private set; } = 1000;
    public long ActivationBytes { get; private set; } = 10L * 1000 * 1000;
    public HashSet<string> Parts { get; private set; } = ["store", "e2e", "activation"];
    public HashSet<string> Stores { get; private set; } = ["postgres", "sqlite"];
    public string? Markdown { get; private set; }
    public string? DataDirectory { get; private set; }

    public static BenchSettings Parse(string[] args)
    {
        var settings = new BenchSettings();
        var rounds = Environment.GetEnvironmentVariable("BENCH_RUNS");
        if (int.TryParse(rounds, NumberStyles.None, CultureInfo.InvariantCulture, out var fromEnvironment)) settings.Rounds = fromEnvironment;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Number() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--rounds" or "--runs": settings.Rounds = Number(); break;
                case "--warmup": settings.Warmup = Number(); break;
                case "--seconds": settings.RoundDuration = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--hot-writers": settings.HotDocWriters = Number(); break;
                case "--hot-clients": settings.HotDocClients = Number(); break;
                case "--documents": settings.Documents = Number(); break;
                case "--activation-mb": settings.ActivationBytes = (long)(double.Parse(Value(), CultureInfo.InvariantCulture) * 1000 * 1000); break;
                case "--only": settings.Parts = [.. Value().Split(',')]; break;
                case "--stores": settings.Stores = [.. Value().Split(',')]; break;
                case "--markdown": settings.Markdown = Value(); break;
                case "--data": settings.DataDirectory = Value(); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (settings.Rounds < 1) throw new ArgumentException("--rounds must be at least 1");
        return settings;
    }
}
