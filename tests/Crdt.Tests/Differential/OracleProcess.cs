using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Spotter.Collab.Crdt.Tests.Differential;

/// <summary>An error the yjs oracle reported for one request.</summary>
public sealed class OracleException(string message) : Exception(message);

/// <summary>
/// One long-lived <c>node tests/oracle/yjs-oracle.mjs</c> process holding many yjs replicas.
/// Requests are line-delimited JSON answered in order; see tests/oracle/README.md.
/// Used as an xunit class fixture so a test class pays the node start-up once.
/// </summary>
public sealed class OracleProcess : IDisposable
{
    private readonly Process _node;
    private readonly StreamWriter _stdin;
    private readonly StreamReader _stdout;
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();
    private long _nextId;

    public OracleProcess()
    {
        var script = Path.Combine(RepoPaths.OracleDirectory, "yjs-oracle.mjs");
        var yjsPackage = Path.Combine(RepoPaths.OracleDirectory, "node_modules", "yjs", "package.json");
        if (!File.Exists(yjsPackage))
        {
            throw new InvalidOperationException(
                $"The yjs oracle is not installed ({yjsPackage} is missing). Run 'npm ci' in tests/oracle, or './build.sh test' which does it.");
        }

        var start = new ProcessStartInfo("node", ["--max-old-space-size=2048", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = RepoPaths.OracleDirectory,
        };
        try
        {
            _node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("Node.js (v20) must be on PATH for the yjs differential tests: " + e.Message, e);
        }

        _node.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _node.BeginErrorReadLine();
        _stdin = _node.StandardInput;
        _stdin.AutoFlush = false;
        _stdout = _node.StandardOutput;

        var version = Call("ping")?["yjs"]?.GetValue<string>();
        if (version != "13.6.33")
        {
            throw new InvalidOperationException($"the oracle runs yjs {version}, expected 13.6.33: run 'npm ci' in tests/oracle");
        }
    }

    /// <summary>Sends one command and returns its result; throws <see cref="OracleException"/> when yjs reported an error.</summary>
    public JsonNode? Call(string command, JsonObject? arguments = null)
    {
        var request = arguments ?? [];
        request["cmd"] = command;
        return CallMany([request])[0];
    }

    /// <summary>Pipelines several commands (one write, then the answers in order) to save round trips.</summary>
    public IReadOnlyList<JsonNode?> CallMany(IReadOnlyList<JsonObject> requests)
    {
        lock (_gate)
        {
            var firstId = _nextId;
            foreach (var request in requests)
            {
                request["id"] = _nextId++;
                _stdin.Write(request.ToJsonString());
                _stdin.Write('\n');
            }

            _stdin.Flush();
            var results = new JsonNode?[requests.Count];
            for (var i = 0; i < requests.Count; i++)
            {
                var line = _stdout.ReadLine() ?? throw new InvalidOperationException("the yjs oracle exited: " + StandardError());
                var response = JsonNode.Parse(line)!.AsObject();
                if (response["id"]?.GetValue<long>() != firstId + i)
                {
                    throw new InvalidOperationException($"oracle answer out of order: {Truncate(line)}");
                }

                if (!response["ok"]!.GetValue<bool>())
                {
                    // Drain the remaining answers so the stream stays aligned for the next call.
                    for (var rest = i + 1; rest < requests.Count; rest++)
                    {
                        _stdout.ReadLine();
                    }

                    var cmd = requests[i]["cmd"]?.GetValue<string>();
                    throw new OracleException($"yjs rejected '{cmd}' ({Truncate(requests[i].ToJsonString())}): {response["error"]}");
                }

                results[i] = response["result"];
            }

            return results;
        }
    }

    private string StandardError()
    {
        lock (_stderr)
        {
            return _stderr.ToString();
        }
    }

    private static string Truncate(string s) => s.Length <= 400 ? s : s[..400] + "…";

    public void Dispose()
    {
        try
        {
            _stdin.Close();
            if (!_node.WaitForExit(5000))
            {
                _node.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (IOException)
        {
            // The pipe broke because node exited first.
        }

        _node.Dispose();
    }
}
