using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Projects;

/// <summary>A request a webhook receiver got.</summary>
public sealed record ReceivedPost(string Path, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
}

/// <summary>
/// A real HTTP receiver on 127.0.0.1 (HttpListener on a free port): records every post and answers each with the
/// next scripted status (200 once the script is used up).
/// </summary>
public sealed class AutomationReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<int> _script = new();
    private readonly ConcurrentQueue<ReceivedPost> _posts = new();

    public AutomationReceiver()
    {
        Port = TestPorts.Free();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = ServeAsync();
    }

    public int Port { get; }

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path}";

    public IReadOnlyList<ReceivedPost> Posts => [.. _posts];

    public IReadOnlyList<ReceivedPost> PostsTo(string path) => [.. _posts.Where(p => p.Path == "/" + path)];

    /// <summary>The statuses the next posts get, in order.</summary>
    public void AnswerNext(params int[] statuses)
    {
        foreach (var status in statuses) _script.Enqueue(status);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null)
                .ToDictionary(k => k!.ToLowerInvariant(), k => context.Request.Headers[k]!, StringComparer.Ordinal);
            _posts.Enqueue(new ReceivedPost(context.Request.Url!.AbsolutePath, body, headers));
            context.Response.StatusCode = _script.TryDequeue(out var status) ? status : 200;
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
