using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Host;

/// <summary>The executable as a new operator meets it: the first start's block, the forced change of the generated
/// admin password, and a second instance on the same ports.</summary>
public sealed partial class FirstRunTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task The_first_start_prints_one_block_and_the_generated_admin_password_must_be_changed_before_anything_else()
    {
        int httpPort = TestPorts.Free(), siloPort = TestPorts.Free(), gatewayPort = TestPorts.Free();
        using var server = WebHostProcess.Start(httpPort, siloPort, gatewayPort, _directory.Path);
        var banner = await server.WaitForOutputAsync(text => text.Contains("========\n", StringComparison.Ordinal) && BannerEnd().IsMatch(text));
        var block = banner[banner.IndexOf(" Spotter.Collab is running", StringComparison.Ordinal)..];
        Assert.Contains($"http://127.0.0.1:{httpPort}", block, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_directory.Path, "data"), block, StringComparison.Ordinal);
        Assert.Contains($"silo {siloPort}, gateway {gatewayPort}", block, StringComparison.Ordinal);
        var password = AdminPassword().Match(block).Groups[1].Value;
        Assert.NotEmpty(password);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        var login = await LoginAsync(http, password);
        Assert.True(login.GetProperty("passwordChangeRequired").GetBoolean());
        var limited = login.GetProperty("accessToken").GetString()!;

        // The generated password's token opens nothing but the auth endpoints and /api/me.
        using (var request = Authorized(HttpMethod.Get, "/api/spaces", limited))
        {
            using var refused = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("password-change-required", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var request = Authorized(HttpMethod.Get, "/api/admin/users", limited))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(request)).StatusCode);
        }
        await Assert.ThrowsAnyAsync<Exception>(() => TestClient.ConnectAsync(new Uri(http.BaseAddress!, "/hubs/collab"), limited, messagePack: false));
        using (var request = Authorized(HttpMethod.Get, "/api/me", limited))
        {
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
        }

        using (var request = Authorized(HttpMethod.Post, "/api/auth/password", limited))
        {
            request.Content = JsonContent.Create(new { current = password, @new = "a-new-admin-passphrase" });
            Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(request)).StatusCode);
        }
        // The same session, refreshed, gets an unlimited token.
        using var refreshed = await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = login.GetProperty("refreshToken").GetString() });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        using var pair = JsonDocument.Parse(await refreshed.Content.ReadAsStringAsync());
        Assert.False(pair.RootElement.GetProperty("passwordChangeRequired").GetBoolean());
        using (var request = Authorized(HttpMethod.Get, "/api/spaces", pair.RootElement.GetProperty("accessToken").GetString()!))
        {
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
        }
        Assert.False((await LoginAsync(http, "a-new-admin-passphrase")).GetProperty("passwordChangeRequired").GetBoolean());
        Assert.DoesNotContain(password, server.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_instance_on_the_same_ports_names_each_port_in_use_and_the_setting_that_moves_it()
    {
        int httpPort = TestPorts.Free(), siloPort = TestPorts.Free(), gatewayPort = TestPorts.Free();
        using var first = WebHostProcess.Start(httpPort, siloPort, gatewayPort, Path.Combine(_directory.Path, "one"));
        await first.WaitForOutputAsync(text => text.Contains("Spotter.Collab is running", StringComparison.Ordinal));

        using var second = WebHostProcess.Start(httpPort, siloPort, gatewayPort, Path.Combine(_directory.Path, "two"));
        Assert.True(await second.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the second instance did not stop");
        Assert.Equal(1, second.ExitCode);
        var error = second.Errors;
        Assert.Contains($"port {httpPort} (web address http://127.0.0.1:{httpPort}) is already in use", error, StringComparison.Ordinal);
        Assert.Contains("--urls=", error, StringComparison.Ordinal);
        Assert.Contains($"port {siloPort} (Orleans silo port)", error, StringComparison.Ordinal);
        Assert.Contains("--Orleans:SiloPort=", error, StringComparison.Ordinal);
        Assert.Contains("--Orleans:GatewayPort=", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", error, StringComparison.Ordinal);
        // It touched nothing of its own data directory's neighbour, and the first one still serves.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    private static HttpRequestMessage Authorized(HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static async Task<JsonElement> LoginAsync(HttpClient http, string password)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/login", new { username = "admin", password });
        Assert.True(response.IsSuccessStatusCode, $"login: {(int)response.StatusCode}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    [GeneratedRegex(@"password: (\S+)")]
    private static partial Regex AdminPassword();

    [GeneratedRegex(@"Sign in as:[^\n]*\n[^\n]*\n=+\n")]
    private static partial Regex BannerEnd();

    public void Dispose() => _directory.Dispose();

    /// <summary>The built WebHost run as its own process in <c>workingDirectory</c> (so <c>./data</c> is there), without
    /// SPOTTER_ADMIN_PASSWORD: a real first start.</summary>
    private sealed class WebHostProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _output = new();
        private readonly ConcurrentQueue<string> _errors = new();

        private WebHostProcess(Process process) => _process = process;

        public string Output => string.Join('\n', _output) + '\n';
        public string Errors => string.Join('\n', _errors);
        public int ExitCode => _process.ExitCode;

        public static WebHostProcess Start(int httpPort, int siloPort, int gatewayPort, string workingDirectory)
        {
            Directory.CreateDirectory(workingDirectory);
            var start = new ProcessStartInfo("dotnet")
            {
                ArgumentList =
                {
                    WebHostBinary(),
                    $"--urls=http://127.0.0.1:{httpPort}",
                    $"--Orleans:SiloPort={siloPort}",
                    $"--Orleans:GatewayPort={gatewayPort}",
                    $"--Orleans:ClusterId=test-{Guid.NewGuid():N}",
                    "--Auth:PasswordIterations=10000",
                },
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.Environment.Remove("SPOTTER_ADMIN_PASSWORD");
            var process = new WebHostProcess(Process.Start(start)!);
            process._process.OutputDataReceived += (_, e) => { if (e.Data is not null) process._output.Enqueue(e.Data); };
            process._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) process._errors.Enqueue(e.Data); };
            process._process.BeginOutputReadLine();
            process._process.BeginErrorReadLine();
            return process;
        }

        public async Task<string> WaitForOutputAsync(Func<string, bool> condition)
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(90))
            {
                var text = Output;
                if (condition(text)) return text;
                Assert.False(_process.HasExited, $"the WebHost exited: {Errors}");
                await Task.Delay(100);
            }
            Assert.Fail($"the WebHost did not print what was expected:\n{Output}\n{Errors}");
            return "";
        }

        public async Task<bool> WaitForExitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
                _process.WaitForExit(); // drains the redirected streams
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _process.Dispose();
        }

        private static string WebHostBinary()
        {
            var testDir = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
            var configuration = testDir.Parent!.Name;
            var root = testDir;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Spotter.Collab.sln"))) root = root.Parent;
            Assert.NotNull(root);
            var dll = Path.Combine(root.FullName, "src", "WebHost", "bin", configuration, "net10.0", "Spotter.Collab.WebHost.dll");
            Assert.True(File.Exists(dll), $"build the WebHost first: {dll} is missing");
            return dll;
        }
    }
}
