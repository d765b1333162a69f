namespace Spotter.Collab.Cluster.Tests;

/// <summary>
/// Replaces Orleans' default fatal-error handler, which ends the whole process (e.g. when a silo learns it was
/// declared dead), with one that records the event, so in-process test silos cannot take the test host down and
/// tests can assert that the silo was told.
/// </summary>
internal sealed class RecordingFatalErrorHandler : IFatalErrorHandler
{
    private readonly TaskCompletionSource<string> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the context of the first fatal error reported to this silo.</summary>
    public Task<string> FirstFatalError => _first.Task;

    public bool IsUnexpected(Exception exception) => exception is not OperationCanceledException;

    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null) =>
        _first.TrySetResult($"{context} {exception?.Message}");
}
