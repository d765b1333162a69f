using System.Globalization;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Users;

namespace Spotter.Collab.Grains.Storage;

/// <summary>One SQL statement with named (<c>@name</c>) parameters; SQLite and PostgreSQL both take this form.</summary>
public sealed record SqlStatement(string Sql, IReadOnlyList<KeyValuePair<string, object?>> Parameters);

/// <summary>
/// The SQL of the access rows, shared by <see cref="SqliteAccessStore"/> and <see cref="PostgresAccessStore"/>: the
/// statements that write one <see cref="AccessRowChanges"/>, the queries that read the model back and the model
/// built from their rows. Dates are UTC ticks and flags integers, so both stores hold exactly the same values.
/// </summary>
public static class AccessRowsSql
{
    private const string ExternalSharingKey = "external_sharing";
    private const string TrustedPartnersKey = "trusted_partner_orgs";
    private const string PublicIdKeyKey = "public_id_key";

    /// <summary>The tables in load order, each with the columns <see cref="Build"/> reads.</summary>
    public static readonly IReadOnlyList<(string Table, string Columns)> Queries =
    [
        ("access_settings", "key, value"),
        ("access_users", "username, display_name, kind, partner_org_id, department_id, deactivated, is_admin"),
        ("access_departments", "id, name, parent_id"),
        ("access_groups", "id, name"),
        ("access_group_members", "group_id, username"),
        ("access_partners", "id, name"),
        ("access_resources", "id, kind, title, parent_id, ord, restricted, no_export, trashed, created_by, created_at, history_audience, guest_history"),
        ("access_grants", "resource_id, position, grant_id, principal, level"),
        ("access_links", "id, resource_id, scope, role, token_hash, password_salt, password_iterations, password_hash, expires_at, revoked, created_by, created_at"),
    ];

    /// <summary>The statements that write <paramref name="changes"/>, to run in one transaction.</summary>
    public static List<SqlStatement> Statements(AccessRowChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var statements = new List<SqlStatement>();
        void Add(string sql, params (string Name, object? Value)[] parameters) =>
            statements.Add(new SqlStatement(sql, parameters.Select(p => new KeyValuePair<string, object?>(p.Name, p.Value)).ToList()));
        void Delete(string table, string column, IEnumerable<string> keys)
        {
            foreach (var key in keys) Add($"DELETE FROM {table} WHERE {column} = @key", ("key", key));
        }
        void Setting(string key, string value) =>
            Add("INSERT INTO access_settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value", ("key", key), ("value", value));

        if (changes.Policy is { } policy)
        {
            Setting(ExternalSharingKey, ((int)policy.ExternalSharing).ToString(CultureInfo.InvariantCulture));
            Setting(TrustedPartnersKey, string.Join('\n', policy.TrustedPartnerOrgs));
        }
        if (changes.PublicIdKey is { } publicIdKey) Setting(PublicIdKeyKey, Convert.ToBase64String(publicIdKey));
        foreach (var u in changes.Users)
        {
            Add("""
                INSERT INTO access_users (username, display_name, kind, partner_org_id, department_id, deactivated, is_admin)
                VALUES (@username, @name, @kind, @partner, @department, @deactivated, @admin)
                ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, kind = excluded.kind,
                    partner_org_id = excluded.partner_org_id, department_id = excluded.department_id,
                    deactivated = excluded.deactivated, is_admin = excluded.is_admin
                """, ("username", u.Username), ("name", u.DisplayName), ("kind", (int)u.Kind), ("partner", u.PartnerOrgId),
                ("department", u.DepartmentId), ("deactivated", Flag(u.Deactivated)), ("admin", Flag(u.IsAdmin)));
        }
        Delete("access_users", "username", changes.DeletedUsers);
        foreach (var d in changes.Departments)
        {
            Add("""
                INSERT INTO access_departments (id, name, parent_id) VALUES (@id, @name, @parent)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id
                """, ("id", d.Id), ("name", d.Name), ("parent", d.ParentId));
        }
        Delete("access_departments", "id", changes.DeletedDepartments);
        foreach (var g in changes.Groups)
        {
            Add("INSERT INTO access_groups (id, name) VALUES (@id, @name) ON CONFLICT (id) DO UPDATE SET name = excluded.name", ("id", g.Id), ("name", g.Name));
            Add("DELETE FROM access_group_members WHERE group_id = @id", ("id", g.Id));
            foreach (var member in g.Members) Add("INSERT INTO access_group_members (group_id, username) VALUES (@id, @username)", ("id", g.Id), ("username", member));
        }
        foreach (var id in changes.DeletedGroups)
        {
            Add("DELETE FROM access_group_members WHERE group_id = @id", ("id", id));
            Add("DELETE FROM access_groups WHERE id = @id", ("id", id));
        }
        foreach (var p in changes.Partners)
        {
            Add("INSERT INTO access_partners (id, name) VALUES (@id, @name) ON CONFLICT (id) DO UPDATE SET name = excluded.name", ("id", p.Id), ("name", p.Name));
        }
        Delete("access_partners", "id", changes.DeletedPartners);
        foreach (var r in changes.Resources)
        {
            Add("""
                INSERT INTO access_resources (id, kind, title, parent_id, ord, restricted, no_export, trashed, created_by, created_at, history_audience, guest_history)
                VALUES (@id, @kind, @title, @parent, @ord, @restricted, @noExport, @trashed, @createdBy, @createdAt, @history, @guestHistory)
                ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, parent_id = excluded.parent_id,
                    ord = excluded.ord, restricted = excluded.restricted, no_export = excluded.no_export, trashed = excluded.trashed,
                    created_by = excluded.created_by, created_at = excluded.created_at, history_audience = excluded.history_audience,
                    guest_history = excluded.guest_history
                """, ("id", r.Id), ("kind", (int)r.Kind), ("title", r.Title), ("parent", r.ParentId), ("ord", r.Order),
                ("restricted", Flag(r.Restricted)), ("noExport", Flag(r.NoExport)), ("trashed", Flag(r.Trashed)), ("createdBy", r.CreatedBy),
                ("createdAt", r.CreatedAt.UtcTicks), ("history", (int)r.HistoryAudience), ("guestHistory", Flag(r.GuestHistory)));
            Add("DELETE FROM access_grants WHERE resource_id = @id", ("id", r.Id));
            for (var i = 0; i < r.Grants.Count; i++)
            {
                var g = r.Grants[i];
                Add("INSERT INTO access_grants (resource_id, position, grant_id, principal, level) VALUES (@id, @position, @grant, @principal, @level)",
                    ("id", r.Id), ("position", i), ("grant", g.Id), ("principal", g.Principal), ("level", (int)g.Level));
            }
        }
        foreach (var id in changes.DeletedResources)
        {
            Add("DELETE FROM access_grants WHERE resource_id = @id", ("id", id));
            Add("DELETE FROM access_resources WHERE id = @id", ("id", id));
        }
        foreach (var l in changes.Links)
        {
            Add("""
                INSERT INTO access_links (id, resource_id, scope, role, token_hash, password_salt, password_iterations, password_hash, expires_at, revoked, created_by, created_at)
                VALUES (@id, @resource, @scope, @role, @token, @salt, @iterations, @hash, @expires, @revoked, @createdBy, @createdAt)
                ON CONFLICT (id) DO UPDATE SET resource_id = excluded.resource_id, scope = excluded.scope, role = excluded.role,
                    token_hash = excluded.token_hash, password_salt = excluded.password_salt, password_iterations = excluded.password_iterations,
                    password_hash = excluded.password_hash, expires_at = excluded.expires_at, revoked = excluded.revoked,
                    created_by = excluded.created_by, created_at = excluded.created_at
                """, ("id", l.Id), ("resource", l.ResourceId), ("scope", (int)l.Scope), ("role", (int)l.Role), ("token", l.TokenHash),
                ("salt", l.Password?.Salt), ("iterations", l.Password?.Iterations), ("hash", l.Password?.Hash),
                ("expires", l.ExpiresAt?.UtcTicks), ("revoked", Flag(l.Revoked)), ("createdBy", l.CreatedBy), ("createdAt", l.CreatedAt.UtcTicks));
        }
        Delete("access_links", "id", changes.DeletedLinks);
        return statements;
    }

    private static int Flag(bool value) => value ? 1 : 0;

    /// <summary>The model from the rows of <see cref="Queries"/> (same order), or null when nothing was ever stored.</summary>
    public static OrganizationState? Build(IReadOnlyList<List<object?[]>> tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var settings = tables[0].ToDictionary(r => (string)r[0]!, r => (string)r[1]!, StringComparer.Ordinal);
        // The policy is in the first write of every model: without it nothing was ever stored as rows.
        if (!settings.TryGetValue(ExternalSharingKey, out var sharing)) return null;
        var state = new OrganizationState
        {
            ExternalSharing = (ExternalSharing)int.Parse(sharing, CultureInfo.InvariantCulture),
            TrustedPartnerOrgs = settings.TryGetValue(TrustedPartnersKey, out var trusted) && trusted.Length > 0 ? [.. trusted.Split('\n')] : [],
            PublicIdKey = settings.TryGetValue(PublicIdKeyKey, out var key) ? Convert.FromBase64String(key) : null,
        };
        foreach (var r in tables[1])
        {
            state.Users[(string)r[0]!] = new UserEntry
            {
                Username = (string)r[0]!, DisplayName = (string)r[1]!, Kind = (UserKind)Int(r[2]), PartnerOrgId = (string?)r[3],
                DepartmentId = (string?)r[4], Deactivated = Int(r[5]) != 0, IsAdmin = Int(r[6]) != 0,
            };
        }
        foreach (var r in tables[2]) state.Departments[(string)r[0]!] = new DepartmentEntry { Id = (string)r[0]!, Name = (string)r[1]!, ParentId = (string?)r[2] };
        foreach (var r in tables[3]) state.Groups[(string)r[0]!] = new GroupEntry { Id = (string)r[0]!, Name = (string)r[1]! };
        foreach (var r in tables[4])
        {
            if (state.Groups.TryGetValue((string)r[0]!, out var group)) group.Members.Add((string)r[1]!);
        }
        foreach (var r in tables[5]) state.Partners[(string)r[0]!] = new PartnerEntry { Id = (string)r[0]!, Name = (string)r[1]! };
        foreach (var r in tables[6])
        {
            state.Resources[(string)r[0]!] = new ResourceEntry
            {
                Id = (string)r[0]!, Kind = (ResourceKind)Int(r[1]), Title = (string)r[2]!, ParentId = (string?)r[3], Order = Int(r[4]),
                Restricted = Int(r[5]) != 0, NoExport = Int(r[6]) != 0, Trashed = Int(r[7]) != 0, CreatedBy = (string)r[8]!,
                CreatedAt = new DateTimeOffset(Long(r[9]), TimeSpan.Zero), HistoryAudience = (HistoryAudience)Int(r[10]), GuestHistory = Int(r[11]) != 0,
            };
        }
        // Grants in their stored position within each resource.
        foreach (var r in tables[7].OrderBy(r => (string)r[0]!, StringComparer.Ordinal).ThenBy(r => Int(r[1])))
        {
            if (state.Resources.TryGetValue((string)r[0]!, out var resource))
            {
                resource.Grants.Add(new GrantEntry { Id = (string)r[2]!, Principal = (string)r[3]!, Level = (AccessLevel)Int(r[4]) });
            }
        }
        foreach (var r in tables[8])
        {
            state.Links[(string)r[0]!] = new LinkEntry
            {
                Id = (string)r[0]!, ResourceId = (string)r[1]!, Scope = (LinkScope)Int(r[2]), Role = (AccessLevel)Int(r[3]), TokenHash = (string)r[4]!,
                Password = r[5] is byte[] salt && r[7] is byte[] hash ? new PasswordHash(salt, Int(r[6]), hash) : null,
                ExpiresAt = r[8] is null ? null : new DateTimeOffset(Long(r[8]), TimeSpan.Zero),
                Revoked = Int(r[9]) != 0, CreatedBy = (string)r[10]!, CreatedAt = new DateTimeOffset(Long(r[11]), TimeSpan.Zero),
            };
        }
        return state;
    }

    private static int Int(object? value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);

    private static long Long(object? value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
