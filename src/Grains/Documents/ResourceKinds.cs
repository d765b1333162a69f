using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Spotter.Collab.Grains.Documents;

/// <summary>
/// A kind of live resource (a wiki page, a board…). The document grain is the same for every kind; the kind decides
/// which ids are its own and adds its behaviour through the extension it attaches to each activation.
/// Register with <see cref="ResourceKindServiceCollectionExtensions.AddResourceKind{TKind}"/>.
/// </summary>
public interface IResourceKind
{
    /// <summary>The kind's name, e.g. <c>page</c> (for logs and diagnostics).</summary>
    string Name { get; }

    /// <summary>Ids starting with this belong to the kind; the kind with the longest matching prefix wins, so the
    /// kind with the empty prefix is the default (every id nobody else claims).</summary>
    string IdPrefix { get; }

    /// <summary>Called once per activation, before the content loads.</summary>
    LiveResourceExtension Attach(ILiveResource resource);
}

/// <summary>Resolves a resource id to its kind: the one place that knows which kinds exist.</summary>
public sealed class ResourceKinds
{
    private readonly IResourceKind[] _kinds;

    public ResourceKinds(IEnumerable<IResourceKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        // Longest prefix first: the first match is the most specific.
        _kinds = [.. kinds.OrderByDescending(k => k.IdPrefix.Length)];
        var clash = _kinds.GroupBy(k => k.IdPrefix, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null) throw new InvalidOperationException($"resource kinds {string.Join(", ", clash.Select(k => k.Name))} claim the same id prefix \"{clash.Key}\"");
    }

    /// <summary>The kind of <paramref name="resourceId"/>; null when no registered kind claims it (the resource then
    /// runs on the core alone).</summary>
    public IResourceKind? Resolve(string resourceId)
    {
        ArgumentNullException.ThrowIfNull(resourceId);
        foreach (var kind in _kinds)
        {
            if (resourceId.StartsWith(kind.IdPrefix, StringComparison.Ordinal)) return kind;
        }
        return null;
    }
}

/// <summary>What the core offers a kind's extension: the resource's identity and content, its apply path, timers
/// and notices. Valid for the activation the extension was attached to.</summary>
public interface ILiveResource
{
    string Id { get; }

    /// <summary>Whether the resource was created (a missing id activates too, e.g. for a probe).</summary>
    bool Exists { get; }

    string Title { get; }

    /// <summary>The CRDT content; null while the resource does not exist.</summary>
    DocumentState? Content { get; }

    /// <summary>Connections that have the resource open on any host.</summary>
    int ParticipantCount { get; }

    IGrainFactory GrainFactory { get; }

    /// <summary>A one-shot grain timer, armed with <see cref="IGrainTimer.Change"/>; interleaves with other calls.
    /// <paramref name="keepAlive"/>: its ticks keep the activation from being collected.</summary>
    IGrainTimer RegisterTimer(Func<Task> callback, bool keepAlive);

    /// <summary>The principal's current role (null: none, or no such resource).</summary>
    Task<DocumentRole?> ResolveRoleAsync(string principal);

    /// <summary>
    /// Applies a server-made update through the same path as a client's (role check against <paramref name="role"/>,
    /// durable append, broadcast, after-commit hooks) without <see cref="LiveResourceExtension.Validate"/>: the server
    /// may write what clients may not. Completes when durable.
    /// </summary>
    Task<FrameResult> ApplyServerUpdateAsync(DocumentRole role, byte[] update, string author);

    /// <summary>Sends <c>Notice(id, kind, payload)</c> to every connection that has the resource open.</summary>
    Task NotifyAsync(string kind, string payload);

    FrameResult Reject(string code, string detail);

    FrameResult Accepted { get; }
}

/// <summary>A refusal of an incoming update by a kind's rule: a typed code (see <see cref="RejectCodes"/>) sent in
/// <c>Rejected</c>, and a human-readable detail.</summary>
public readonly record struct UpdateRejection(string Code, string Detail);

/// <summary>
/// The extension points of one resource kind, attached to each activation. Every method has a no-op default, so a
/// kind overrides only what it needs. Hooks run on the grain's turn (the grain is reentrant: state changes happen
/// synchronously, awaits let other calls in); a hook that fails is logged and does not fail the frame that caused it.
/// </summary>
public abstract class LiveResourceExtension
{
    /// <summary>The extension of a resource whose id no kind claims: the core alone.</summary>
    public static LiveResourceExtension None { get; } = new NoExtension();

    /// <summary>Whether <see cref="Validate"/> must run: kinds without rules keep the per-frame path free of it.</summary>
    public virtual bool ValidatesUpdates => false;

    /// <summary>The content was loaded (activation of an existing resource).</summary>
    public virtual Task OnLoadedAsync() => Task.CompletedTask;

    /// <summary>The resource was just created.</summary>
    public virtual void OnCreated()
    {
    }

    /// <summary>
    /// A client's update that the role allows to change the content, before anything of it is applied: null accepts
    /// it, a rejection refuses it whole. Runs for every such frame, so it must be cheap; only called when
    /// <see cref="ValidatesUpdates"/> is true. Updates the extension makes itself (<see cref="ILiveResource.ApplyServerUpdateAsync"/>)
    /// are not validated.
    /// </summary>
    public virtual UpdateRejection? Validate(DocumentRole role, string principal, ReadOnlySpan<byte> update) => null;

    /// <summary>An accepted update is durable (projections, indexing, notifications). <paramref name="author"/> is
    /// the principal that sent it.</summary>
    public virtual void OnCommitted(string author, byte[] update)
    {
    }

    /// <summary>The last connection left the resource (on every host).</summary>
    public virtual Task OnLastParticipantLeftAsync() => Task.CompletedTask;

    /// <summary>The activation is going away: finish pending work (the hand-off to the hosts follows).</summary>
    public virtual Task OnDeactivatingAsync() => Task.CompletedTask;

    /// <summary>A kind-specific command (<see cref="IDocumentGrain.Execute"/>) of <paramref name="principal"/>;
    /// unknown commands are refused with <see cref="RejectCodes.Unsupported"/>.</summary>
    public virtual Task<FrameResult> ExecuteAsync(ILiveResource resource, string principal, ResourceCommand command)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return Task.FromResult(resource.Reject(RejectCodes.Unsupported, $"{command?.GetType().Name} is not a command of this resource"));
    }

    private sealed class NoExtension : LiveResourceExtension;
}

public static class ResourceKindServiceCollectionExtensions
{
    /// <summary>Registers a resource kind (a singleton: its services are injected once; per-activation state lives in
    /// the extension it attaches).</summary>
    public static IServiceCollection AddResourceKind<TKind>(this IServiceCollection services)
        where TKind : class, IResourceKind
    {
        services.TryAddSingleton<ResourceKinds>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IResourceKind, TKind>());
        return services;
    }
}
