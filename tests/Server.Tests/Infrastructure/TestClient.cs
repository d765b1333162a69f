using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.Server.Tests.Infrastructure;

public sealed record Rejection(string DocId, string Code, string Detail);

/// <summary>
/// A real .NET SignalR client of the collaboration hub (JSON or MessagePack). Records everything the server sends;
/// documents attached with <see cref="Attach"/> answer sync messages like a y-websocket provider.
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly ConcurrentDictionary<string, SyncedDoc> _docs = new();

    private TestClient(HubConnection connection)
    {
        _connection = connection;
        connection.On<string, byte[]>("Receive", OnReceive);
        connection.On<string, string, string>("Rejected", (doc, code, detail) => Rejections.Enqueue(new Rejection(doc, code, detail)));
        connection.On<string, string>("Revoked", (doc, reason) =>
        {
            Revocations.Enqueue((doc, reason));
            Events.Enqueue(("Revoked", doc, reason, DateTime.UtcNow));
        });
        connection.On<string, string>("RoleChanged", (doc, role) => Events.Enqueue(("RoleChanged", doc, role, DateTime.UtcNow)));
        connection.On<string>("TreeChanged", space => Events.Enqueue(("TreeChanged", space, "", DateTime.UtcNow)));
        connection.On<string, string, string>("Notice", (id, kind, payload) => Notices.Enqueue((id, kind, payload)));
        connection.On<string>("CommentsChanged", _ => { });
        connection.Closed += _ =>
        {
            Events.Enqueue(("Closed", "", "", DateTime.UtcNow));
            return Task.CompletedTask;
        };
    }

    /// <summary>Access events in arrival order: Revoked, RoleChanged, TreeChanged (Id = space) and Closed.</summary>
    public ConcurrentQueue<(string Kind, string Id, string Value, DateTime At)> Events { get; } = new();

    public HubConnectionState State => _connection.State;

    public Task InvokeAsync(string method, string argument) => _connection.InvokeAsync(method, argument);

    public ConcurrentQueue<(string DocId, byte[] Frame)> Received { get; } = new();
    /// <summary><c>Notice(resourceId, kind, payload)</c> events in arrival order.</summary>
    public ConcurrentQueue<(string ResourceId, string Kind, string Payload)> Notices { get; } = new();
    public ConcurrentQueue<Rejection> Rejections { get; } = new();
    public ConcurrentQueue<(string DocId, string Reason)> Revocations { get; } = new();

    public string? ConnectionId => _connection.ConnectionId;

    public static async Task<TestClient> ConnectAsync(Uri hubUrl, string token, bool messagePack)
    {
        var builder = new HubConnectionBuilder().WithUrl(hubUrl, options => options.AccessTokenProvider = () => Task.FromResult<string?>(token));
        if (messagePack) builder.AddMessagePackProtocol();
        var connection = builder.Build();
        var client = new TestClient(connection);
        await connection.StartAsync();
        return client;
    }

    public async Task<string> JoinAsync(string docId)
    {
        var result = await _connection.InvokeAsync<Dictionary<string, string>>("JoinDocument", docId);
        return result["role"];
    }

    public Task SendAsync(string docId, byte[] frame) => _connection.InvokeAsync("Send", docId, frame);

    public Task LeaveAsync(string docId) => _connection.InvokeAsync("LeaveDocument", docId);

    /// <summary>Frames of one message type received for <paramref name="docId"/>.</summary>
    public List<byte[]> FramesOf(string docId, FrameType type) =>
        Received.Where(r => r.DocId == docId && r.Frame.Length > 0 && r.Frame[0] == (byte)type).Select(r => r.Frame).ToList();

    /// <summary>All awareness entries received for <paramref name="docId"/>, in arrival order.</summary>
    public List<AwarenessProtocol.Entry> AwarenessOf(string docId) => AwarenessUpdates.Decode(FramesOf(docId, FrameType.Awareness)).ToList();

    /// <summary>Keeps <paramref name="doc"/> in sync with the server copy of <paramref name="docId"/>.</summary>
    public void Attach(string docId, SyncedDoc doc) => _docs[docId] = doc;

    private void OnReceive(string docId, byte[] frame)
    {
        Received.Enqueue((docId, frame));
        if (!_docs.TryGetValue(docId, out var doc)) return;
        var reply = doc.Handle(frame);
        // Never await an invocation inside a handler: the completion arrives on this same receive loop.
        if (reply is not null) _ = Task.Run(() => SendAsync(docId, reply));
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
