using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Spotter.Collab.Grains.Storage;

/// <summary>One schema change: its version (from the file name), name and SQL. PostgreSQL's and SQLite's migrations
/// are both embedded <c>NNNN_name.sql</c> resources read by <see cref="LoadEmbedded"/>.</summary>
public sealed class Migration
{
    /// <summary>The embedded <c>NNNN_name.sql</c> resources under <paramref name="resourcePrefix"/>, by version;
    /// a misnamed or unreadable script or two scripts of one version fail with <paramref name="failure"/>.</summary>
    public static IReadOnlyList<Migration> LoadEmbedded(Assembly assembly, string resourcePrefix, Func<string, Exception> failure)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(resourcePrefix);
        ArgumentNullException.ThrowIfNull(failure);
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(resourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal)) continue;
            var fileName = resource[resourcePrefix.Length..^".sql".Length];
            var separator = fileName.IndexOf('_', StringComparison.Ordinal);
            if (separator <= 0 || !int.TryParse(fileName.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw failure($"Migration resource '{resource}' is not named NNNN_name.sql.");
            }
            using var stream = assembly.GetManifestResourceStream(resource) ?? throw failure($"Migration resource '{resource}' cannot be opened.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new Migration(version, fileName[(separator + 1)..], reader.ReadToEnd()));
        }
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version) throw failure($"Two migrations share version {migrations[i].Version}.");
        }
        return migrations;
    }

    private Migration(int version, string name, string sql)
    {
        Version = version;
        Name = name;
        // Line endings are normalised so a checkout with CRLF does not look like an edited migration.
        Sql = sql.Replace("\r\n", "\n", StringComparison.Ordinal);
        Checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
    }

    public int Version { get; }
    public string Name { get; }
    public string Sql { get; }
    /// <summary>Lower-case hex SHA-256 of <see cref="Sql"/>.</summary>
    public string Checksum { get; }
}
