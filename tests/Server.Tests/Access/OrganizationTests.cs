using Spotter.Collab.Grains.Access;

namespace Spotter.Collab.Server.Tests.Access;

/// <summary>A clock the tests move by hand (link expiry).</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;
    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// The access model without Orleans: a small company with departments Engineering > Backend and Sales, a group,
/// two partner organisations, and a space "Handbook" (made by alice) with pages Intro > Details and Pricing.
/// </summary>
public sealed class OrganizationTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly Organization _org;
    private readonly string _engineering, _backend, _sales, _reviewers, _acme, _other;
    private readonly string _space, _intro, _details, _pricing;

    public OrganizationTests()
    {
        _org = new Organization(new OrganizationState(), _clock);
        _engineering = Ok(_org.CreateDepartment("Engineering", null));
        _backend = Ok(_org.CreateDepartment("Backend", _engineering));
        _sales = Ok(_org.CreateDepartment("Sales", null));
        _reviewers = Ok(_org.CreateGroup("Reviewers"));
        _acme = Ok(_org.CreatePartner("Acme Logistics"));
        _other = Ok(_org.CreatePartner("Other Agency"));
        AddUser("alice", UserKind.Employee, department: _backend);
        AddUser("bob", UserKind.Employee, department: _sales);
        AddUser("erin", UserKind.Employee, department: _engineering);
        AddUser("carol", UserKind.Partner, partner: _acme);
        AddUser("dave", UserKind.Partner, partner: _other);
        _space = Ok(_org.CreateSpace("alice", "Handbook"));
        _intro = Ok(_org.CreatePage("alice", _space, null, "Intro", null));
        _details = Ok(_org.CreatePage("alice", _space, _intro, "Details", null));
        _pricing = Ok(_org.CreatePage("alice", _space, null, "Pricing", null));
    }

    private static string Ok(OrgResult result)
    {
        Assert.True(result.IsOk, $"{result.Outcome}: {result.Detail}");
        return result.Id ?? "";
    }

    private void AddUser(string name, UserKind kind, string? department = null, string? partner = null, bool admin = false) =>
        Ok(_org.AddUser(new DirectoryUser(name, name.ToUpperInvariant(), kind, partner, department, [], false, admin)));

    private AccessLevel Level(string principal, string resource) => _org.Resolve(resource, principal).Level;

    private GrantInfo Grant(string resource, string principal, AccessLevel level, string actor = "alice")
    {
        var answer = _org.AddGrant(actor, resource, principal, level);
        Assert.True(answer.IsOk, $"{answer.Outcome}: {answer.Detail}");
        return answer.Value!;
    }

    [Fact]
    public void Pages_nest_to_the_depth_limit_and_no_deeper_and_the_deepest_tree_reads_in_order()
    {
        var chain = new List<string> { _intro };
        for (var depth = 2; depth <= AccessEvaluator.MaxPageDepth; depth++)
        {
            chain.Add(Ok(_org.CreatePage("alice", _space, chain[^1], $"Level {depth}", null)));
        }

        var tooDeep = _org.CreatePage("alice", _space, chain[^1], "One more", null);
        Assert.Equal(OrgOutcome.Invalid, tooDeep.Outcome);
        Assert.Contains("at most 999 levels", tooDeep.Detail, StringComparison.Ordinal);
        Assert.Equal(OrgOutcome.Invalid, _org.MovePage("alice", _pricing, chain[^1], null).Outcome);
        // A page with a child fits under the deepest page but two, not under the deepest but one.
        var parent = Ok(_org.CreatePage("alice", _space, null, "Parent", null));
        Ok(_org.CreatePage("alice", _space, parent, "Child", null));
        Assert.Equal(OrgOutcome.Invalid, _org.MovePage("alice", parent, chain[^2], null).Outcome);
        Ok(_org.MovePage("alice", parent, chain[^3], null));
        Ok(_org.MovePage("alice", _pricing, chain[^2], null));

        // The deepest page keeps its space's access, and the tree lists the chain parents first.
        Assert.Equal(AccessLevel.Manage, Level("alice", chain[^1]));
        var tree = _org.Tree("alice", _space)!.Pages.Select(p => p.Id).ToList();
        Assert.Equal(chain, tree.Where(chain.Contains));
        Assert.True(tree.IndexOf(_pricing) > tree.IndexOf(chain[^2]));
        // Previewing a move of the whole chain walks every page below it.
        Assert.True(_org.PreviewMove("alice", _intro, _space).IsOk);
    }

    [Fact]
    public void Space_grants_reach_pages_and_sub_pages_and_the_explanation_names_the_source()
    {
        Assert.Equal(AccessLevel.None, Level("bob", _details));
        var grant = Grant(_space, Principals.Company, AccessLevel.View);
        Assert.Equal(AccessLevel.View, Level("bob", _details));
        Assert.Equal(AccessLevel.Manage, Level("alice", _details));

        var why = _org.Explain("alice", _details).Value!;
        var bob = Assert.Single(why, e => e.Principal == "bob");
        Assert.Equal(new GrantSource(_space, "Handbook", grant.Id, Principals.Company, Inherited: true), bob.Source);
        Assert.Equal(AccessLevel.View, bob.Level);
        Assert.DoesNotContain(why, e => e.Principal == "carol");
        var admin = Assert.Single(why, e => e.Principal == "admin");
        Assert.True(admin.Administrator);
        Assert.Equal(OrgOutcome.NotFound, _org.Explain("carol", _details).Outcome);
        Assert.Equal(OrgOutcome.Forbidden, _org.Explain("bob", _details).Outcome);
    }

    [Fact]
    public void Highest_applicable_grant_wins()
    {
        Grant(_space, Principals.Company, AccessLevel.View);
        Grant(_intro, Principals.User("bob"), AccessLevel.Comment);
        Grant(_details, Principals.DepartmentPrefix + _sales, AccessLevel.Edit);
        Assert.Equal(AccessLevel.Comment, Level("bob", _intro));
        Assert.Equal(AccessLevel.Edit, Level("bob", _details));
        Assert.Equal(AccessLevel.View, Level("bob", _pricing));
    }

    [Fact]
    public void A_restricted_page_stops_inheritance_and_its_sub_pages_inherit_from_it()
    {
        Grant(_space, Principals.Company, AccessLevel.Edit);
        Ok(_org.UpdateSettings("alice", _intro, restricted: true, noExport: null));
        Assert.Equal(AccessLevel.None, Level("bob", _intro));
        Assert.Equal(AccessLevel.None, Level("bob", _details));
        // Whoever restricts keeps managing the page (their grant on the space no longer reaches it).
        Assert.Equal(AccessLevel.Manage, Level("alice", _intro));
        Assert.Equal(Principals.User("alice"), Assert.Single(_org.Grants("alice", _intro).Value!).Principal);
        Assert.Equal(AccessLevel.Manage, Level("admin", _intro));
        Assert.Equal(AccessLevel.None, Level("erin", _intro));
        Assert.Equal(AccessLevel.Edit, Level("bob", _pricing));

        Grant(_intro, Principals.User("bob"), AccessLevel.Comment, actor: "admin");
        Assert.Equal(AccessLevel.Comment, Level("bob", _details));
        var why = _org.Explain("admin", _details).Value!.Single(e => e.Principal == "bob");
        Assert.Equal(_intro, why.Source!.ResourceId);
        Assert.True(why.Source.Inherited);
    }

    [Fact]
    public void Moving_a_page_recomputes_access_from_the_new_place()
    {
        Grant(_space, Principals.Company, AccessLevel.View);
        Ok(_org.UpdateSettings("alice", _intro, restricted: true, noExport: null));
        Assert.Equal(AccessLevel.View, Level("bob", _pricing));

        Ok(_org.MovePage("alice", _pricing, _intro, 0));
        Assert.Equal(AccessLevel.None, Level("bob", _pricing));
        Assert.Equal([_pricing, _details], _org.Tree("alice", _space)!.Pages.Where(p => p.ParentId == _intro).Select(p => p.Id));

        Ok(_org.MovePage("alice", _pricing, _space, null));
        Assert.Equal(AccessLevel.View, Level("bob", _pricing));

        // No cycles, no moves across spaces, no moves by those who cannot edit.
        Assert.Equal(OrgOutcome.Invalid, _org.MovePage("alice", _intro, _details, null).Outcome);
        Assert.Equal(OrgOutcome.Invalid, _org.MovePage("alice", _intro, _intro, null).Outcome);
        var otherSpace = Ok(_org.CreateSpace("alice", "Other"));
        Assert.Equal(OrgOutcome.Invalid, _org.MovePage("alice", _pricing, otherSpace, null).Outcome);
        Assert.Equal(OrgOutcome.Forbidden, _org.MovePage("bob", _pricing, _space, 0).Outcome);
    }

    [Fact]
    public void A_department_grant_covers_its_sub_departments_only()
    {
        Grant(_space, Principals.DepartmentPrefix + _engineering, AccessLevel.Edit);
        Assert.Equal(AccessLevel.Edit, Level("erin", _details));
        Assert.Equal(AccessLevel.Manage, Level("alice", _details));
        Ok(_org.UpdateUser("alice", new UserChange(DepartmentId: _sales)));
        Assert.Equal(AccessLevel.Manage, Level("alice", _details)); // her own grant as creator
        Assert.Equal(AccessLevel.None, Level("bob", _details));
        // Moving Sales below Engineering brings bob in.
        Ok(_org.UpdateDepartment(_sales, null, _engineering));
        Assert.Equal(AccessLevel.Edit, Level("bob", _details));
        Assert.Equal(OrgOutcome.Invalid, _org.UpdateDepartment(_engineering, null, _sales).Outcome);
    }

    [Fact]
    public void Group_grants_follow_membership()
    {
        Grant(_intro, Principals.GroupPrefix + _reviewers, AccessLevel.Comment);
        Assert.Equal(AccessLevel.None, Level("bob", _details));
        Ok(_org.SetGroupMember(_reviewers, "bob", true));
        Assert.Equal(AccessLevel.Comment, Level("bob", _details));
        Ok(_org.SetGroupMember(_reviewers, "bob", false));
        Assert.Equal(AccessLevel.None, Level("bob", _details));
        Assert.Equal(OrgOutcome.Invalid, _org.SetGroupMember(_reviewers, "nobody", true).Outcome);
    }

    [Fact]
    public void Company_grants_never_include_partners_and_partners_never_manage()
    {
        Grant(_space, Principals.Company, AccessLevel.Manage);
        Assert.Equal(AccessLevel.None, Level("carol", _intro));
        Assert.Equal(OrgOutcome.Invalid, _org.AddGrant("alice", _intro, Principals.User("carol"), AccessLevel.Manage).Outcome);
        Assert.Equal(OrgOutcome.Invalid, _org.AddGrant("alice", _intro, Principals.PartnerPrefix + _acme, AccessLevel.Manage).Outcome);

        Grant(_intro, Principals.PartnerPrefix + _acme, AccessLevel.Comment);
        Assert.Equal(AccessLevel.Comment, Level("carol", _details));
        Assert.Equal(AccessLevel.None, Level("dave", _details));
        // Even a manage grant through a group is capped at edit for a partner.
        Ok(_org.SetGroupMember(_reviewers, "carol", true));
        Grant(_intro, Principals.GroupPrefix + _reviewers, AccessLevel.Manage);
        Assert.Equal(AccessLevel.Edit, Level("carol", _intro));
        Assert.Equal(OrgOutcome.Forbidden, _org.AddGrant("carol", _intro, Principals.User("dave"), AccessLevel.View).Outcome);
    }

    [Fact]
    public void Policy_off_and_trusted_cap_partner_access_and_refuse_new_partner_grants()
    {
        Grant(_intro, Principals.User("carol"), AccessLevel.Edit);
        Grant(_intro, Principals.User("dave"), AccessLevel.View);
        Ok(_org.SetPolicy(new SharingPolicy(ExternalSharing.Off, [])));
        Assert.Equal(AccessLevel.None, Level("carol", _intro));
        Assert.Equal(AccessLevel.None, Level("dave", _intro));
        Assert.Equal(OrgOutcome.Invalid, _org.AddGrant("alice", _pricing, Principals.User("carol"), AccessLevel.View).Outcome);
        Assert.Equal(OrgOutcome.Invalid, _org.CreateLink("alice", _pricing, LinkScope.Anyone, AccessLevel.View, null, null).Outcome);

        Ok(_org.SetPolicy(new SharingPolicy(ExternalSharing.Trusted, [_acme])));
        Assert.Equal(AccessLevel.Edit, Level("carol", _intro));
        Assert.Equal(AccessLevel.None, Level("dave", _intro));
        Assert.Equal(OrgOutcome.Invalid, _org.AddGrant("alice", _pricing, Principals.User("dave"), AccessLevel.View).Outcome);
        Assert.Equal(OrgOutcome.Invalid, _org.SetPolicy(new SharingPolicy(ExternalSharing.Trusted, ["nope"])).Outcome);

        Ok(_org.SetPolicy(new SharingPolicy(ExternalSharing.On, [])));
        Assert.Equal(AccessLevel.View, Level("dave", _intro));
    }

    [Fact]
    public void A_partner_organisation_is_renamed_with_a_valid_name_and_the_new_name_shows_where_it_is_granted()
    {
        Grant(_intro, Principals.PartnerPrefix + _acme, AccessLevel.View);
        Ok(_org.UpdatePartner(_acme, "  Acme Freight  "));
        Assert.Equal("Acme Freight", _org.Partners().Single(p => p.Id == _acme).Name);
        Assert.Equal("Acme Freight", _org.Grants("alice", _intro).Value!.Single(g => g.Principal == Principals.PartnerPrefix + _acme).DisplayName);
        Assert.Equal(AccessLevel.View, Level("carol", _intro));

        Assert.Equal(OrgOutcome.Invalid, _org.UpdatePartner(_acme, "   ").Outcome);
        Assert.Equal(OrgOutcome.Invalid, _org.UpdatePartner(_acme, null).Outcome);
        Assert.Equal(OrgOutcome.Invalid, _org.UpdatePartner(_acme, new string('x', Organization.MaxNameLength + 1)).Outcome);
        Assert.Equal("Acme Freight", _org.Partners().Single(p => p.Id == _acme).Name);
        Assert.Equal(OrgOutcome.NotFound, _org.UpdatePartner("nope", "Name").Outcome);
    }

    [Fact]
    public void A_partner_organisation_with_users_deactivated_ones_included_cannot_be_deleted()
    {
        var refused = _org.DeletePartner(_acme);
        Assert.Equal(OrgOutcome.Conflict, refused.Outcome);
        Assert.Contains("carol", refused.Detail, StringComparison.Ordinal);

        // A deactivated user still belongs to the organisation (and could be reactivated).
        Ok(_org.SetDeactivated("carol", true));
        refused = _org.DeletePartner(_acme);
        Assert.Equal(OrgOutcome.Conflict, refused.Outcome);
        Assert.Contains("carol (deactivated)", refused.Detail, StringComparison.Ordinal);
        Assert.Contains(_org.Partners(), p => p.Id == _acme);
        Assert.Equal(OrgOutcome.NotFound, _org.DeletePartner("nope").Outcome);
    }

    [Fact]
    public void Deleting_a_partner_organisation_removes_its_grants_and_its_place_in_the_trusted_list()
    {
        var acmeGrant = Grant(_intro, Principals.PartnerPrefix + _acme, AccessLevel.Comment);
        Grant(_pricing, Principals.PartnerPrefix + _acme, AccessLevel.View);
        Grant(_pricing, Principals.PartnerPrefix + _other, AccessLevel.View);
        Ok(_org.SetPolicy(new SharingPolicy(ExternalSharing.Trusted, [_acme, _other])));
        Ok(_org.UpdateUser("carol", new UserChange(PartnerOrgId: _other)));
        _org.TakeChanges();

        Ok(_org.DeletePartner(_acme));
        Assert.DoesNotContain(_org.Partners(), p => p.Id == _acme);
        Assert.DoesNotContain(_org.Grants("alice", _intro).Value!, g => g.Id == acmeGrant.Id);
        Assert.Equal([Principals.PartnerPrefix + _other], _org.Grants("alice", _pricing).Value!.Where(g => g.Principal.StartsWith(Principals.PartnerPrefix, StringComparison.Ordinal)).Select(g => g.Principal));
        Assert.Equal([_other], _org.Policy().TrustedPartnerOrgs);
        // The pages whose grants changed are re-evaluated for open connections.
        Assert.True(_org.TakeChanges().AccessChanged);
        // carol moved on: her new organisation's grant and trust still hold.
        Assert.Equal(AccessLevel.View, Level("carol", _pricing));

        Assert.Equal(OrgOutcome.NotFound, _org.DeletePartner(_acme).Outcome);
        Assert.Equal(OrgOutcome.Invalid, _org.AddUser(new DirectoryUser("frank", "Frank", UserKind.Partner, _acme, null, [], false, false)).Outcome);
        Assert.Equal(OrgOutcome.Invalid, _org.AddGrant("alice", _pricing, Principals.PartnerPrefix + _acme, AccessLevel.View).Outcome);
        Assert.DoesNotContain(_org.SearchDirectory("alice", "Acme").Value!, h => h.Principal == Principals.PartnerPrefix + _acme);
    }

    [Fact]
    public void A_trashed_page_is_visible_only_to_managers_of_its_space()
    {
        Grant(_space, Principals.Company, AccessLevel.Edit);
        Grant(_space, Principals.User("erin"), AccessLevel.Manage);
        Ok(_org.SetTrashed("alice", _intro, true));
        Assert.Equal(AccessLevel.None, Level("bob", _intro));
        Assert.Equal(AccessLevel.None, Level("bob", _details));
        Assert.Equal(AccessLevel.Manage, Level("erin", _details));
        Assert.DoesNotContain(_org.Tree("erin", _space)!.Pages, p => p.Id == _intro || p.Id == _details);
        Assert.Equal([_intro], _org.Trash("erin", _space).Value!.Select(p => p.Id));
        Assert.Equal(OrgOutcome.Forbidden, _org.Trash("bob", _space).Outcome);
        Assert.Equal(OrgOutcome.NotFound, _org.SetTrashed("bob", _intro, false).Outcome);

        Ok(_org.SetTrashed("erin", _intro, false));
        Assert.Equal(AccessLevel.Edit, Level("bob", _details));
    }

    [Fact]
    public void Deactivated_users_have_no_access_and_admins_manage_everything()
    {
        Grant(_space, Principals.Company, AccessLevel.Edit);
        Ok(_org.SetDeactivated("bob", true));
        Assert.Equal(AccessLevel.None, Level("bob", _intro));
        Assert.Equal(["bob"], _org.DeactivatedUsers());
        Assert.Equal(OrgOutcome.Invalid, _org.SetDeactivated("admin", true).Outcome);
        Ok(_org.SetDeactivated("bob", false));
        Assert.Equal(AccessLevel.Edit, Level("bob", _intro));

        AddUser("root", UserKind.Employee, admin: true);
        Assert.Equal(AccessLevel.Manage, Level("root", _details));
        Ok(_org.SetDeactivated("root", true));
        Assert.Equal(AccessLevel.None, Level("root", _details));
    }

    [Fact]
    public void Missing_and_invisible_resources_answer_the_same()
    {
        Grant(_pricing, Principals.User("carol"), AccessLevel.View);
        var missing = Guid.NewGuid().ToString("N");
        Assert.Equal(_org.Resolve(missing, "carol") with { Exists = false }, _org.Resolve(_intro, "carol") with { Exists = false });
        Assert.Null(_org.DescribeDocument(_intro, "carol"));
        Assert.Null(_org.Resource(_intro, "carol"));
        foreach (var id in new[] { missing, _intro })
        {
            Assert.Equal(OrgOutcome.NotFound, _org.Grants("carol", id).Outcome);
            Assert.Equal(OrgOutcome.NotFound, _org.RenameResource("carol", id, "x").Outcome);
            Assert.Equal(OrgOutcome.NotFound, _org.MovePage("carol", id, _space, 0).Outcome);
            Assert.Equal(OrgOutcome.NotFound, _org.CreatePage("carol", _space, id, "x", null).Outcome);
            Assert.Equal(OrgOutcome.NotFound, _org.Links("carol", id).Outcome);
        }
        // The partner's tree shows the shared page alone, hanging off the space.
        var tree = _org.Tree("carol", _space)!;
        Assert.Equal(AccessLevel.None, tree.Space.Level);
        var page = Assert.Single(tree.Pages);
        Assert.Equal((_pricing, _space), (page.Id, page.ParentId));
        Assert.Null(_org.Tree("dave", _space));
        Assert.Equal(OrgOutcome.Forbidden, _org.SearchDirectory("carol", "").Outcome);
        Assert.Equal([_pricing], _org.FilterReadable("carol", [_intro, missing, _pricing]));
    }

    [Fact]
    public void Share_links_honour_scope_password_expiry_revocation_and_role_caps()
    {
        Assert.Equal(OrgOutcome.Invalid, _org.CreateLink("alice", _intro, LinkScope.Anyone, AccessLevel.Edit, null, null).Outcome);
        Assert.Equal(OrgOutcome.Invalid, _org.CreateLink("alice", _intro, LinkScope.Company, AccessLevel.Manage, null, null).Outcome);
        Assert.Equal(OrgOutcome.Invalid, _org.CreateLink("alice", _intro, LinkScope.Anyone, AccessLevel.View, null, _clock.Now.AddMinutes(-1)).Outcome);
        Assert.Equal(OrgOutcome.NotFound, _org.CreateLink("bob", _intro, LinkScope.Anyone, AccessLevel.View, null, null).Outcome);

        var anyone = _org.CreateLink("alice", _intro, LinkScope.Anyone, AccessLevel.Comment, "s3cret", _clock.Now.AddHours(1)).Value!;
        Assert.DoesNotContain(anyone.Token, string.Join(' ', _org.State.Links.Values.Select(l => l.TokenHash)));
        Assert.Equal(OrgOutcome.NotFound, _org.RedeemLink(anyone.Token, null, null).Outcome);
        Assert.Equal(OrgOutcome.NotFound, _org.RedeemLink(anyone.Token, "wrong", null).Outcome);
        Assert.Equal(OrgOutcome.NotFound, _org.RedeemLink("not-a-token", "s3cret", null).Outcome);
        var redeemed = _org.RedeemLink(anyone.Token, "s3cret", null).Value!;
        Assert.Equal((anyone.Link.Id, _intro, AccessLevel.Comment), (redeemed.LinkId, redeemed.ResourceId, redeemed.Role));

        // The link session reaches the page and its sub-pages, nothing else, and never more than the link's role.
        var session = Principals.Link(anyone.Link.Id);
        Grant(_space, Principals.Company, AccessLevel.Edit);
        Assert.Equal(AccessLevel.Comment, Level(session, _intro));
        Assert.Equal(AccessLevel.Comment, Level(session, _details));
        Assert.Equal(AccessLevel.None, Level(session, _pricing));
        Assert.Equal(AccessLevel.None, Level(session, _space));

        _clock.Now = _clock.Now.AddHours(2);
        Assert.Equal(AccessLevel.None, Level(session, _intro));
        Assert.Equal(OrgOutcome.NotFound, _org.RedeemLink(anyone.Token, "s3cret", null).Outcome);

        var company = _org.CreateLink("alice", _pricing, LinkScope.Company, AccessLevel.Edit, null, null).Value!;
        Assert.Equal(OrgOutcome.NotFound, _org.RedeemLink(company.Token, null, null).Outcome);
        Assert.Equal(OrgOutcome.NotFound, _org.RedeemLink(company.Token, null, "carol").Outcome);
        Assert.True(_org.RedeemLink(company.Token, null, "bob").IsOk);
        Assert.Equal([company.Link.Id], _org.ActiveLinks().Select(l => l.Id));
        Assert.Equal(AccessLevel.Edit, Level(Principals.Link(company.Link.Id), _pricing));

        // Not yours to revoke looks exactly like no such link.
        Assert.Equal(OrgOutcome.NotFound, _org.RevokeLink("bob", company.Link.Id).Outcome);
        Assert.Equal(OrgOutcome.NotFound, _org.RevokeLink("bob", "no-such-link").Outcome);
        Assert.True(_org.RevokeLink("admin", company.Link.Id).IsOk);
        Assert.Equal(AccessLevel.None, Level(Principals.Link(company.Link.Id), _pricing));
        Assert.Equal(OrgOutcome.NotFound, _org.RedeemLink(company.Token, null, "bob").Outcome);
        Assert.Empty(_org.ActiveLinks());
    }

    [Fact]
    public void Legacy_member_changes_keep_a_last_owner_and_preview_shows_what_a_user_can_open()
    {
        var doc = Guid.NewGuid().ToString("N");
        Assert.True(_org.RegisterDocument(doc, "alice", "Notes"));
        Assert.False(_org.RegisterDocument(doc, "bob", "Again"));
        Assert.Equal(OrgOutcome.Conflict, _org.SetUserGrant("alice", doc, "alice", AccessLevel.Edit).Outcome);
        Ok(_org.SetUserGrant("alice", doc, "bob", AccessLevel.Edit));
        Assert.Equal(OrgOutcome.Forbidden, _org.SetUserGrant("bob", doc, "bob", AccessLevel.Manage).Outcome);
        Assert.Equal(OrgOutcome.Invalid, _org.SetUserGrant("alice", doc, "carol", AccessLevel.Manage).Outcome);
        Assert.Equal(AccessLevel.Edit, _org.DescribeDocument(doc, "alice")!.UserGrants["bob"]);

        Grant(_intro, Principals.User("bob"), AccessLevel.View);
        var preview = _org.Evaluator.Preview("bob");
        Assert.Equal([_space], preview.Spaces.Select(s => s.Id));
        Assert.Equal([_intro, _details], preview.Pages.Select(p => p.Id));
        Assert.Equal([doc], preview.Documents.Select(d => d.Id));
    }

    [Fact]
    public void A_replica_fed_the_written_rows_decides_and_draws_trees_like_the_model()
    {
        var replica = new Organization(new OrganizationState(), _clock);
        replica.ApplyRows(AccessRowChanges.All(_org.State));
        _org.TakeChanges();
        var steps = new List<Action>
        {
            () => Grant(_space, "company", AccessLevel.View, "admin"),
            () => Grant(_details, "partner:" + _acme, AccessLevel.Edit, "admin"),
            () => Ok(_org.SetGroupMember(_reviewers, "bob", true)),
            () => Grant(_pricing, "group:" + _reviewers, AccessLevel.Comment, "admin"),
            () => Ok(_org.UpdateSettings("admin", _intro, restricted: true, noExport: null)),
            () => Ok(_org.MovePage("admin", _pricing, _intro, 0)),
            () => Ok(_org.CreatePage("admin", _space, _details, "Deep", null)),
            () => Ok(_org.SetTrashed("admin", _details, true)),
            () => Ok(_org.SetDeactivated("erin", true)),
            () => Ok(_org.SetPolicy(new SharingPolicy(ExternalSharing.Trusted, [_other]))),
            () => Ok(_org.DeleteGroup(_reviewers)),
        };
        var principals = new[] { "alice", "bob", "carol", "dave", "erin" };
        foreach (var step in steps)
        {
            step();
            replica.ApplyRows(AccessRowChanges.Of(_org.State, _org.TakeChanges().Rows));
            foreach (var principal in principals)
            {
                foreach (var resource in _org.State.Resources.Keys)
                {
                    Assert.Equal(_org.Resolve(resource, principal), replica.Resolve(resource, principal));
                }
                Assert.Equal(
                    _org.Tree(principal, _space)?.Pages.Select(p => (p.Id, p.ParentId, p.Order, p.Level)),
                    replica.Tree(principal, _space)?.Pages.Select(p => (p.Id, p.ParentId, p.Order, p.Level)));
            }
        }
    }
}
