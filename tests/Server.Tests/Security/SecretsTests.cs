using System.Net;
using System.Runtime.Versioning;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Spotter.Collab.Server.Tests.Auth;
using Spotter.Collab.Server.Tests.Infrastructure;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.Server.Tests.Security;

/// <summary>Issue 11, "Secrets": the data directory is private and the signing key is not in the database.</summary>
public sealed class SecretsTests : IDisposable
{
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly TempDirectory _root = new();

    private string DataDirectory => Path.Combine(_root.Path, "data");

    public void Dispose() => _root.Dispose();

    private static byte[] SigningKeyOf(CollabTestServer server) =>
        ((SymmetricSecurityKey)server.Services.GetRequiredService<TokenService>().SigningKey).Key;

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task The_data_directory_is_0700_its_files_0600_and_an_old_install_is_narrowed_and_loses_its_stored_key()
    {
        // An install from before: world-readable directory and database, the signing key in a secrets table.
        Directory.CreateDirectory(DataDirectory);
        File.SetUnixFileMode(DataDirectory, (UnixFileMode)0b111_101_101);
        var database = Path.Combine(DataDirectory, "spotter.db");
        await using (var connection = new SqliteConnection($"Data Source={database};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL); INSERT INTO secrets VALUES ('jwt-signing-key', zeroblob(64));";
            await create.ExecuteNonQueryAsync();
        }
        File.SetUnixFileMode(database, (UnixFileMode)0b110_100_100);

        await using (var server = await CollabTestServer.StartAsync(DataDirectory))
        {
            var tokens = await server.SignInAsync("admin", CollabTestServer.AdminPassword);
            Assert.Equal(HttpStatusCode.OK, await server.MeStatusAsync(tokens.AccessToken));

            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(DataDirectory) & GroupOrOther);
            var files = Directory.EnumerateFiles(DataDirectory).ToList();
            Assert.Contains(database, files);
            Assert.All(files, file => Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(file) & GroupOrOther));
            var keys = Path.Combine(DataDirectory, "keys");
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(keys) & GroupOrOther);
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(Path.Combine(keys, SigningKeyRing.KeyFileName)) & GroupOrOther);
        }

        await using (var connection = new SqliteConnection($"Data Source={database};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var query = connection.CreateCommand();
            query.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'secrets'";
            Assert.Equal(0L, (long)(await query.ExecuteScalarAsync())!);
        }
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task A_fresh_data_directory_is_created_private()
    {
        await using var server = await CollabTestServer.StartAsync(DataDirectory);
        await server.SignInAsync("admin", CollabTestServer.AdminPassword);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(DataDirectory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(DataDirectory, "spotter.db")));
    }

    [Fact]
    public async Task The_signing_key_is_in_no_file_in_clear_and_survives_a_restart()
    {
        string token;
        byte[] key;
        await using (var server = await CollabTestServer.StartAsync(DataDirectory))
        {
            token = (await server.SignInAsync("admin", CollabTestServer.AdminPassword)).AccessToken;
            key = SigningKeyOf(server);
        }
        var base64 = Encoding.ASCII.GetBytes(Convert.ToBase64String(key));
        foreach (var file in Directory.EnumerateFiles(DataDirectory, "*", SearchOption.AllDirectories))
        {
            var content = await File.ReadAllBytesAsync(file);
            Assert.True(content.AsSpan().IndexOf(key) < 0, $"{file} holds the raw signing key");
            Assert.True(content.AsSpan().IndexOf(base64) < 0, $"{file} holds the signing key in base64");
        }

        await using (var restarted = await CollabTestServer.StartAsync(DataDirectory))
        {
            Assert.Equal(key, SigningKeyOf(restarted));
            Assert.Equal(HttpStatusCode.OK, await restarted.MeStatusAsync(token));
        }
    }

    [Fact]
    public async Task Operator_keys_rotate_without_signing_anyone_out_until_the_old_key_is_removed()
    {
        var oldKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        var newKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        string oldToken;
        await using (var server = await CollabTestServer.StartAsync(DataDirectory, Keys(oldKey)))
        {
            oldToken = (await server.SignInAsync("admin", CollabTestServer.AdminPassword)).AccessToken;
        }
        // The host made no key of its own: the operator's keys are the only ones.
        Assert.False(File.Exists(Path.Combine(DataDirectory, "keys", SigningKeyRing.KeyFileName)));

        string newToken;
        await using (var rotated = await CollabTestServer.StartAsync(DataDirectory, Keys(newKey, oldKey)))
        {
            Assert.Equal(HttpStatusCode.OK, await rotated.MeStatusAsync(oldToken));
            newToken = (await rotated.SignInAsync("admin", CollabTestServer.AdminPassword)).AccessToken;
            Assert.NotEqual(new JsonWebToken(oldToken).Kid, new JsonWebToken(newToken).Kid);
        }

        await using (var retired = await CollabTestServer.StartAsync(DataDirectory, Keys(newKey)))
        {
            Assert.Equal(HttpStatusCode.OK, await retired.MeStatusAsync(newToken));
            Assert.Equal(HttpStatusCode.Unauthorized, await retired.MeStatusAsync(oldToken));
        }
    }

    [Fact]
    public async Task A_short_or_malformed_operator_key_stops_the_start()
    {
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var server = await CollabTestServer.StartAsync(DataDirectory, Keys(Convert.ToBase64String(new byte[16])));
            await server.SignInAsync("admin", CollabTestServer.AdminPassword);
        });
    }

    private static Dictionary<string, string> Keys(params string[] keys) =>
        keys.Select((key, i) => (key, i)).ToDictionary(k => $"Auth:SigningKeys:{k.i}", k => k.key);
}
