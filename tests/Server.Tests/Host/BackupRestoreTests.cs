using System.Collections.Concurrent;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Spotter.Collab.Server.Tests.Infrastructure;
using Spotter.Collab.WebHost.Backup;

namespace Spotter.Collab.Server.Tests.Host;

/// <summary>
/// Online backup while edits are being acknowledged, restore into a fresh data directory, and a new server that holds
/// every edit acknowledged before the backup began: through the admin endpoint and through the command line.
/// </summary>
public sealed class BackupRestoreTests : IDisposable
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3];

    private readonly TempDirectory _directory = new();

    private string Folder(string name) => Path.Combine(_directory.Path, name);

    [Fact]
    public async Task An_admin_backup_taken_mid_burst_restores_every_edit_acknowledged_before_it()
    {
        var archive = Folder("backup.tar.gz");
        Scene scene;
        await using (var server = await CollabTestServer.StartAsync(Folder("live"), new Dictionary<string, string> { ["Documents:CompactAfterUpdates"] = "50" }))
        {
            scene = await Scene.CreateAsync(server);
            using var admin = server.Client(scene.AdminToken);
            using var writer = server.Client(scene.WriterToken);
            Assert.Equal(HttpStatusCode.Forbidden, (await writer.PostAsync("/api/admin/backup", null)).StatusCode);

            var backup = await scene.DuringBurstAsync(server, async () =>
            {
                using var response = await admin.PostAsync("/api/admin/backup", null);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("application/gzip", response.Content.Headers.ContentType?.MediaType);
                await File.WriteAllBytesAsync(archive, await response.Content.ReadAsByteArrayAsync());
            });
            Assert.True(backup.AcknowledgedBefore.Count >= 40, $"only {backup.AcknowledgedBefore.Count} edits were acknowledged before the backup");
            Assert.True(backup.AcknowledgedAfter > 0, "the burst went on while the backup ran");

            using var audit = JsonDocument.Parse(await admin.GetStringAsync("/api/admin/audit?action=admin.backup"));
            Assert.Equal(1, audit.RootElement.GetArrayLength());
        }

        await RestoreAndCheckAsync(archive, Folder("restored"), scene);
    }

    [Fact]
    public async Task The_backup_command_copies_a_running_server_and_restore_brings_it_back()
    {
        var archive = Folder("cli.tar.gz");
        var live = Folder("live");
        Scene scene;
        await using (var server = await CollabTestServer.StartAsync(live))
        {
            scene = await Scene.CreateAsync(server);
            await scene.DuringBurstAsync(server, async () =>
            {
                var (code, output, error) = await RunCommandAsync("backup", archive, $"--Storage:DataDirectory={live}");
                Assert.True(code == 0, error);
                Assert.Contains("Backed up", output, StringComparison.Ordinal);
            });
        }
        await RestoreAndCheckAsync(archive, Folder("restored"), scene);
    }

    [Fact]
    public async Task Restore_refuses_a_used_data_directory_and_foreign_or_damaged_archives_and_changes_nothing()
    {
        var live = Folder("live");
        var archive = Folder("good.tar.gz");
        await using (var server = await CollabTestServer.StartAsync(live))
        {
            await server.LoginAsync("admin", CollabTestServer.AdminPassword);
        }
        Assert.Equal(0, (await RunCommandAsync("backup", archive, $"--Storage:DataDirectory={live}")).Code);
        var before = File.ReadAllBytes(Path.Combine(live, "spotter.db"));

        var (code, _, error) = await RunCommandAsync("restore", archive, $"--Storage:DataDirectory={live}");
        Assert.Equal(1, code);
        Assert.Contains("already exists", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(live, "spotter.db")));

        // A tar.gz that is not a backup.
        var foreign = Folder("foreign.tar.gz");
        await WriteTarGzAsync(foreign, ("notes.txt", "hello"u8.ToArray()));
        (code, _, error) = await RunCommandAsync("restore", foreign, $"--Storage:DataDirectory={Folder("fresh1")}");
        Assert.Equal(1, code);
        Assert.Contains("Not a Spotter.Collab backup", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Folder("fresh1"), "spotter.db")));

        // A backup whose database bytes were damaged.
        var damaged = Folder("damaged.tar.gz");
        var entries = await ReadTarGzAsync(archive);
        var db = entries["spotter.db"];
        for (var i = 4096; i < db.Length; i += 97) db[i] ^= 0x5A;
        await WriteTarGzAsync(damaged, [.. entries.Select(e => (e.Key, e.Value))]);
        (code, _, error) = await RunCommandAsync("restore", damaged, $"--Storage:DataDirectory={Folder("fresh2")}");
        Assert.Equal(1, code);
        Assert.Contains("backup", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Folder("fresh2"), "spotter.db")));

        // An entry trying to leave the data directory.
        var escaping = Folder("escaping.tar.gz");
        await WriteTarGzAsync(escaping, ("manifest.json", entries["manifest.json"]), ("keys/../../evil", "x"u8.ToArray()));
        (code, _, error) = await RunCommandAsync("restore", escaping, $"--Storage:DataDirectory={Folder("fresh3")}");
        Assert.Equal(1, code);
        Assert.Contains("Unexpected entry", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory.Path, "evil")));
    }

    private static async Task RestoreAndCheckAsync(string archive, string target, Scene scene)
    {
        var (code, output, error) = await RunCommandAsync("restore", archive, $"--Storage:DataDirectory={target}");
        Assert.True(code == 0, error);
        Assert.Contains("Restored", output, StringComparison.Ordinal);

        await using var restored = await CollabTestServer.StartAsync(target);
        // The key ring came along: a token issued before the backup is still accepted.
        var text = (await restored.ReadRootAsync(scene.WriterToken, scene.DocId, "t")).GetString()!;
        var missing = scene.Burst!.AcknowledgedBefore.Where(mark => !text.Contains(mark, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {scene.Burst.AcknowledgedBefore.Count} edits acknowledged before the backup are missing, e.g. {string.Join(' ', missing.Take(5))}");

        using var writer = restored.Client(scene.WriterToken);
        var attachment = await writer.GetAsync(scene.AttachmentUrl);
        Assert.Equal(HttpStatusCode.OK, attachment.StatusCode);
        Assert.Equal(Png, await attachment.Content.ReadAsByteArrayAsync());
        // The organisation is whole: the page is in its space's tree and its grant to the reader holds.
        using var described = JsonDocument.Parse(await writer.GetStringAsync($"/api/docs/{scene.DocId}"));
        Assert.Equal(scene.SpaceId, described.RootElement.GetProperty("spaceId").GetString());
        if (scene.SpaceId is { } space) Assert.Contains(scene.DocId, await writer.GetStringAsync($"/api/spaces/{space}/tree"), StringComparison.Ordinal);
        var reader = await restored.LoginAsync("reader", CollabTestServer.UserPassword);
        Assert.StartsWith("<", (await restored.ReadRootAsync(reader, scene.DocId, "t")).GetString(), StringComparison.Ordinal);

        // And it takes new edits.
        await using var client = await restored.ConnectAsync(scene.WriterToken, messagePack: true);
        var doc = new SyncedDoc();
        client.Attach(scene.DocId, doc);
        await client.JoinAsync(scene.DocId);
        await client.SendAsync(scene.DocId, doc.Step1());
        await Eventually.HoldsAsync(() => doc.Text() == text || doc.Text().Length >= text.Length, "the restored content synced");
        await client.SendAsync(scene.DocId, doc.Edit(d => d.GetText("t").Insert(0, "after-restore"))!);
        Assert.StartsWith("after-restore", (await restored.ReadRootAsync(scene.WriterToken, scene.DocId, "t")).GetString(), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunCommandAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await BackupCommands.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static async Task WriteTarGzAsync(string path, params (string Name, byte[] Data)[] entries)
    {
        await using var file = File.Create(path);
        await using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        await using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var (name, data) in entries)
        {
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        }
    }

    private static async Task<Dictionary<string, byte[]>> ReadTarGzAsync(string path)
    {
        var entries = new Dictionary<string, byte[]>();
        await using var file = File.OpenRead(path);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            using var data = new MemoryStream();
            if (entry.DataStream is not null) await entry.DataStream.CopyToAsync(data);
            entries[entry.Name] = data.ToArray();
        }
        return entries;
    }

    public void Dispose() => _directory.Dispose();

    private sealed record BurstResult(IReadOnlyList<string> AcknowledgedBefore, int AcknowledgedAfter);

    /// <summary>A space with a shared page holding an image, and writers appending numbered marks to it.</summary>
    private sealed class Scene
    {
        public required string AdminToken { get; init; }
        public required string WriterToken { get; init; }
        public required string DocId { get; init; }
        public required string? SpaceId { get; init; }
        public required string AttachmentUrl { get; init; }
        public BurstResult? Burst { get; private set; }

        public static async Task<Scene> CreateAsync(CollabTestServer server)
        {
            var adminToken = await server.LoginAsync("admin", CollabTestServer.AdminPassword);
            var writerToken = await server.CreateUserAsync("writer", "Writer");
            await server.CreateUserAsync("reader", "Reader");
            var docId = await server.CreateDocumentAsync(writerToken, "Backed up");
            await server.ShareAsync(writerToken, docId, "reader", "viewer");
            using var writer = server.Client(writerToken);
            using var described = JsonDocument.Parse(await writer.GetStringAsync($"/api/docs/{docId}"));
            var spaceId = described.RootElement.GetProperty("spaceId").GetString();
            using var upload = await writer.PostAsync($"/api/docs/{docId}/attachments", new ByteArrayContent(Png) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } });
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
            using var created = JsonDocument.Parse(await upload.Content.ReadAsStringAsync());
            return new Scene
            {
                AdminToken = adminToken,
                WriterToken = writerToken,
                DocId = docId,
                SpaceId = spaceId,
                AttachmentUrl = created.RootElement.GetProperty("url").GetString()!,
            };
        }

        /// <summary>
        /// Three hub connections append marks as fast as they are acknowledged; once enough are, <paramref name="backup"/>
        /// runs, and the burst goes on until it is done. Marks acknowledged before <paramref name="backup"/> started are
        /// the ones a restore must hold.
        /// </summary>
        public async Task<BurstResult> DuringBurstAsync(CollabTestServer server, Func<Task> backup)
        {
            var acknowledged = new ConcurrentQueue<(string Mark, long At)>();
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 3).Select(async n =>
            {
                await using var client = await server.ConnectAsync(WriterToken, messagePack: n % 2 == 0);
                var doc = new SyncedDoc();
                client.Attach(DocId, doc);
                await client.JoinAsync(DocId);
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var mark = $"<{n}:{i}>";
                    await client.SendAsync(DocId, doc.Edit(d => d.GetText("t").Insert(d.GetText("t").ToString().Length, mark))!);
                    acknowledged.Enqueue((mark, Stopwatch.GetTimestamp()));
                }
            }).ToList();
            await Eventually.HoldsAsync(() => acknowledged.Count >= 60 || writers.Any(w => w.IsFaulted), "the burst is under way", TimeSpan.FromSeconds(60));
            var started = Stopwatch.GetTimestamp();
            await backup();
            var ended = Stopwatch.GetTimestamp();
            // Let the burst run on a little after the backup, then stop it.
            await Eventually.HoldsAsync(() => acknowledged.Count(a => a.At > ended) >= 5 || writers.Any(w => w.IsFaulted), "the burst continues after the backup", TimeSpan.FromSeconds(30));
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            var before = acknowledged.Where(a => a.At < started).Select(a => a.Mark).ToList();
            Burst = new BurstResult(before, acknowledged.Count(a => a.At > started));
            return Burst;
        }
    }
}
