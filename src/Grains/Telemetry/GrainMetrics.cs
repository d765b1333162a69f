using System.Diagnostics.Metrics;

namespace Spotter.Collab.Grains.Telemetry;

/// <summary>
/// The silo side's own instruments (meter <see cref="MeterName"/>; exported by the process's OpenTelemetry set-up,
/// see src/ServiceDefaults). One static meter for the process: every instrument is a cheap no-op until a listener
/// (the exporter) enables it, so the per-frame path pays nothing when telemetry is off.
/// </summary>
public static class GrainMetrics
{
    public const string MeterName = "Spotter.Collab.Grains";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Durable-ack buckets in seconds: group commit lands between a fraction of a millisecond and tens of ms.</summary>
    private static readonly double[] AckBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    public static readonly Counter<long> UpdatesApplied = Meter.CreateCounter<long>(
        "spotter.updates.applied", "{update}", "Updates accepted into a live resource and made durable.");

    public static readonly Counter<long> UpdateBytes = Meter.CreateCounter<long>(
        "spotter.updates.size", "By", "Bytes of the updates accepted into live resources.");

    public static readonly Histogram<double> DurableAck = Meter.CreateHistogram(
        "spotter.durable_ack.duration", "s", "From applying an update to its append being durable (what the sender waits for).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AckBuckets });

    public static readonly Counter<long> FramesRejected = Meter.CreateCounter<long>(
        "spotter.frames.rejected", "{frame}", "Frames and commands a live resource refused, by reject code.");

    public static readonly UpDownCounter<long> ResourcesOpen = Meter.CreateUpDownCounter<long>(
        "spotter.resources.active", "{resource}", "Live resources activated with their content loaded, by kind.");

    public static readonly UpDownCounter<long> Participants = Meter.CreateUpDownCounter<long>(
        "spotter.resources.participants", "{connection}", "Connections joined to live resources, by kind.");

    public static readonly Histogram<int> GroupCommitBatch = Meter.CreateHistogram(
        "spotter.group_commit.batch.size", "{write}", "Writes committed in one group-commit transaction.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });

    public static readonly Histogram<double> GroupCommitDuration = Meter.CreateHistogram(
        "spotter.group_commit.duration", "s", "Time to commit one group-commit transaction.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AckBuckets });

    public static readonly Counter<long> GroupCommitFailures = Meter.CreateCounter<long>(
        "spotter.group_commit.failures", "{batch}", "Group-commit transactions that failed (their callers got an error).");

    public static readonly Counter<long> WebhookAttempts = Meter.CreateCounter<long>(
        "spotter.webhook.attempts", "{attempt}", "Attempts to post project automation to a webhook, by outcome (delivered, retry, failed).");

    public static KeyValuePair<string, object?> Kind(string kind) => new("resource.kind", kind);

    public static KeyValuePair<string, object?> Code(string code) => new("reject.code", code);
}
