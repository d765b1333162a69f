using System.Text.Json;
using Spotter.Collab.Grains.Access;

namespace Spotter.Collab.Server.Tests.Storage;

/// <summary>What every <see cref="IAccessStore"/> must do; run against SQLite here and PostgreSQL in the cluster
/// tests. The model is changed by <see cref="Organization"/>'s own mutations, and the rows they touched are saved
/// the way the organisation grain saves them.</summary>
public abstract class AccessStoreContractTests
{
    protected abstract IAccessStore OpenStore();

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static readonly TimeProvider Time = new FixedTime(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));

    /// <summary>The whole model as canonical text (every collection sorted).</summary>
    private static string Dump(OrganizationState state) => JsonSerializer.Serialize(new
    {
        state.ExternalSharing,
        state.TrustedPartnerOrgs,
        state.PublicIdKey,
        Users = state.Users.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value),
        Departments = state.Departments.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value),
        Groups = state.Groups.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new { p.Value.Id, p.Value.Name, Members = p.Value.Members.Order(StringComparer.Ordinal) }),
        Partners = state.Partners.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value),
        Resources = state.Resources.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value),
        Links = state.Links.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value),
    });

    private static async Task SaveChangesAsync(IAccessStore store, Organization organization) =>
        await store.SaveAsync(AccessRowChanges.Of(organization.State, organization.TakeChanges().Rows));

    [Fact]
    public async Task Nothing_is_loaded_before_the_first_save()
    {
        Assert.Null(await OpenStore().LoadAsync());
    }

    [Fact]
    public async Task Saved_changes_load_back_as_the_same_model()
    {
        var store = OpenStore();
        var organization = new Organization(new OrganizationState(), Time);
        organization.TakeChanges();
        await store.SaveAsync(AccessRowChanges.All(organization.State));
        var loaded = await store.LoadAsync();
        Assert.Equal(Dump(organization.State), Dump(loaded!));

        // Every kind of row: directory, policy, resources with grants and order, links with password and expiry.
        var partner = organization.CreatePartner("Acme").Id!;
        var department = organization.CreateDepartment("Sales", null).Id!;
        var group = organization.CreateGroup("Team").Id!;
        Assert.True(organization.AddUser(new DirectoryUser("alice", "Alice", UserKind.Employee, null, department, [], false, false)).IsOk);
        Assert.True(organization.AddUser(new DirectoryUser("pat", "Pat", UserKind.Partner, partner, null, [], false, false)).IsOk);
        Assert.True(organization.SetGroupMember(group, "alice", true).IsOk);
        Assert.True(organization.SetPolicy(new SharingPolicy(ExternalSharing.Trusted, [partner])).IsOk);
        var space = organization.CreateSpace("alice", "Space").Id!;
        var first = organization.CreatePage("alice", space, null, "First", null).Id!;
        var second = organization.CreatePage("alice", space, null, "Second", 0).Id!;
        Assert.True(organization.AddGrant("alice", space, Principals.PartnerPrefix + partner, AccessLevel.View).IsOk);
        Assert.True(organization.AddGrant("alice", first, Principals.GroupPrefix + group, AccessLevel.Edit).IsOk);
        Assert.True(organization.UpdateSettings("alice", second, restricted: true, noExport: true).IsOk);
        Assert.True(organization.UpdateSettings("alice", space, null, null, HistoryAudience.Viewers, true).IsOk);
        var link = organization.CreateLink("alice", first, LinkScope.Company, AccessLevel.Edit, "secret-password", Time.GetUtcNow().AddDays(1)).Value!;
        Assert.True(organization.SetDeactivated("pat", true).IsOk);
        await SaveChangesAsync(store, organization);
        Assert.Equal(Dump(organization.State), Dump((await OpenStore().LoadAsync())!));

        // Deletions and changes of what is there.
        Assert.True(organization.SetGroupMember(group, "alice", false).IsOk);
        Assert.True(organization.DeleteGroup(group).IsOk);
        Assert.True(organization.UpdateUser("alice", new UserChange(DepartmentId: "")).IsOk);
        Assert.True(organization.DeleteDepartment(department).IsOk);
        Assert.True(organization.RevokeLink("alice", link.Link.Id).IsOk);
        Assert.True(organization.MovePage("alice", second, first, null).IsOk);
        Assert.True(organization.SetTrashed("alice", second, true).IsOk);
        Assert.True(organization.RenameResource("alice", first, "First, renamed").IsOk);
        await SaveChangesAsync(store, organization);
        var reloaded = (await OpenStore().LoadAsync())!;
        Assert.Equal(Dump(organization.State), Dump(reloaded));
        Assert.Empty(reloaded.Groups);
        Assert.Empty(reloaded.Departments);
    }
}
