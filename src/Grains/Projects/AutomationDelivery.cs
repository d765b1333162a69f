using System.Net;
using System.Net.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Spotter.Collab.Grains.Projects;

/// <summary>How one attempt ended: <see cref="StatusCode"/> when the receiver answered, <see cref="Error"/> when the
/// request failed; <see cref="Retry"/> when a later attempt may succeed.</summary>
public sealed record AttemptOutcome(bool Delivered, bool Retry, int? StatusCode, string? Error);

/// <summary>Sends one attempt of a delivery with the named webhook client (see <see cref="AutomationServiceCollectionExtensions"/>).</summary>
public sealed class WebhookSender(IHttpClientFactory clients, IOptions<ProjectAutomationOptions> options)
{
    public const string ClientName = "project-automation";

    public async Task<AttemptOutcome> SendAsync(StoredWebhook hook, string idempotencyKey, DeliveryEnvelope envelope, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(hook);
        using var request = AutomationPayloads.BuildRequest(hook, idempotencyKey, envelope, now);
        using var timeout = new CancellationTokenSource(options.Value.RequestTimeout);
        try
        {
            var client = clients.CreateClient(ClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300) return new AttemptOutcome(true, false, status, null);
            var retry = status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
            return new AttemptOutcome(false, retry, status, null);
        }
        catch (HttpRequestException ex) when (Refused(ex) is { } refused)
        {
            return new AttemptOutcome(false, false, null, refused.Message);
        }
        catch (HttpRequestException ex)
        {
            return new AttemptOutcome(false, true, null, $"connection failed: {ex.HttpRequestError}");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new AttemptOutcome(false, true, null, "timed out");
        }
    }

    private static WebhookAddressRefusedException? Refused(Exception ex)
    {
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookAddressRefusedException refused) return refused;
        }
        return null;
    }
}

/// <summary>
/// The silo's wake-up clock for pending deliveries: holds each project's next due time and, when it comes (by the
/// injected <see cref="TimeProvider"/>, so tests advance a fake clock), asks that project's automation grain to send
/// what is due. One timer for all projects. When the silo starts it reads every project with pending deliveries from
/// the store, so the outbox survives restarts.
/// </summary>
public sealed partial class AutomationDeliveryClock : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>How long a wake-up that failed (the grain call threw) waits before it is tried again.</summary>
    private static readonly TimeSpan s_retryWake = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _due = new(StringComparer.Ordinal);
    private readonly IGrainFactory _grains;
    private readonly IAutomationStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<AutomationDeliveryClock> _logger;
    private readonly ITimer _timer;

    public AutomationDeliveryClock(IGrainFactory grains, IAutomationStore store, [FromKeyedServices(ProjectAutomationOptions.ClockKey)] TimeProvider time, ILogger<AutomationDeliveryClock> logger)
    {
        _grains = grains;
        _store = store;
        _time = time;
        _logger = logger;
        _timer = time.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Wakes the project's automation at <paramref name="at"/> (or earlier, if already due earlier).</summary>
    public void Schedule(string projectId, DateTimeOffset at)
    {
        lock (_lock)
        {
            if (_due.TryGetValue(projectId, out var existing) && existing <= at) return;
            _due[projectId] = at;
            Arm();
        }
    }

    /// <summary>Re-arms the timer for the earliest due time (caller holds the lock).</summary>
    private void Arm()
    {
        if (_due.Count == 0)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var wait = _due.Values.Min() - _time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            _timer.Change(wait, Timeout.InfiniteTimeSpan);
        }
        else
        {
            // Already due: fire now rather than on a timer a clock may never advance.
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            ThreadPool.QueueUserWorkItem(_ => Fire());
        }
    }

    private void Fire()
    {
        List<string> due;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            due = [.. _due.Where(entry => entry.Value <= now).Select(entry => entry.Key)];
            foreach (var project in due) _due.Remove(project);
            Arm();
        }
        foreach (var project in due) _ = WakeAsync(project);
    }

    private async Task WakeAsync(string projectId)
    {
        try
        {
            await _grains.GetGrain<IProjectAutomationManagementGrain>(projectId).DeliverDue().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogWakeFailed(projectId, ex);
            Schedule(projectId, _time.GetUtcNow() + s_retryWake);
        }
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(AutomationDeliveryClock), ServiceLifecycleStage.Active, LoadPendingAsync, _ => Task.CompletedTask);
    }

    private async Task LoadPendingAsync(CancellationToken cancellationToken)
    {
        foreach (var (projectId, at) in await _store.ListPendingProjectsAsync(cancellationToken).ConfigureAwait(false))
        {
            Schedule(projectId, at);
        }
    }

    public void Dispose() => _timer.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waking the automation of project {ProjectId} failed; trying again later")]
    private partial void LogWakeFailed(string projectId, Exception exception);
}
