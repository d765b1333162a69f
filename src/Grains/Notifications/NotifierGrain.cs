using Orleans.Concurrency;
using Spotter.Collab.Grains.Access;

namespace Spotter.Collab.Grains.Notifications;

/// <summary>Stateless: runs on the silo that calls it and checks access against that silo's copy of the model.</summary>
[StatelessWorker]
public sealed class NotifierGrain : Grain, INotifierGrain
{
    public async Task<IReadOnlyList<string>> Notify(NotificationRequest request, IReadOnlyList<string> recipients)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(recipients);
        if (!NotificationKinds.IsValid(request.Kind)) throw new ArgumentException($"kind: {request.Kind} is not a notification kind", nameof(request));
        request = request with { Snippet = NotificationLimits.Snippet(request.Snippet) };
        var access = GrainFactory.GetGrain<IAccessReaderGrain>(IAccessReaderGrain.Key);
        var candidates = recipients
            .Where(r => !string.IsNullOrEmpty(r) && r != request.Actor && !Principals.IsLink(r))
            .Distinct(StringComparer.Ordinal)
            .Take(NotificationLimits.MaxRecipients)
            .ToList();
        var checks = await Task.WhenAll(candidates.Select(async recipient =>
            (recipient, allowed: (await access.FilterReadable(recipient, [request.ResourceId])).Count == 1)));
        var allowed = checks.Where(c => c.allowed).Select(c => c.recipient).ToList();
        var delivered = await Task.WhenAll(allowed.Select(r => GrainFactory.GetGrain<INotificationsGrain>(r).Deliver(request)));
        return allowed.Where((_, i) => delivered[i] is not null).ToList();
    }
}
