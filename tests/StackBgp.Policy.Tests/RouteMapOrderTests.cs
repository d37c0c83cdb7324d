using System.Net;
using StackBgp.Wire;
using Xunit;
using static StackBgp.Policy.Tests.P;

namespace StackBgp.Policy.Tests;

public class RouteMapOrderTests
{
    private static readonly Prefix Net = Prefix.Parse("10.1.0.0/16");
    private static readonly RouteContext Ctx = new() { PeerAddress = IPAddress.Parse("192.0.2.1"), PeerAs = 65001, Source = RouteSourceProtocol.Bgp };

    private static PolicyOutcome Run(PolicySet set, string map, PathAttributes? attrs = null, Prefix? prefix = null) =>
        CompiledPolicy.Compile(set).ApplyRouteMap(map, prefix ?? Net, attrs ?? Attrs("65001"), in Ctx);

    [Fact]
    public void Rhosp_fib_route_map_sets_src_per_family_and_denies_the_rest()
    {
        var set = new PolicySet(
            prefixLists: [Pl("only-default", Pe(5, "permit", "0.0.0.0/0")), Pl("only-default", Pe(5, "permit", "::/0"))],
            routeMaps: [Rm("rm-only-default",
                E(10, "permit", "match ip address prefix-list only-default", "set src 99.99.1.2"),
                E(11, "permit", "match ipv6 address prefix-list only-default", "set src f00d:f00d:f00d:f00d:f00d:f00d:f00d:12"))]);
        var v4 = Run(set, "rm-only-default", prefix: Prefix.Parse("0.0.0.0/0"));
        Assert.True(v4.Permit);
        Assert.Equal(IPAddress.Parse("99.99.1.2"), v4.Source);
        var v6 = Run(set, "rm-only-default", prefix: Prefix.Parse("::/0"));
        Assert.True(v6.Permit);
        Assert.Equal(IPAddress.Parse("f00d:f00d:f00d:f00d:f00d:f00d:f00d:12"), v6.Source);
        var other = Run(set, "rm-only-default", prefix: Prefix.Parse("10.0.0.0/8"));
        Assert.False(other.Permit);
        Assert.Equal("route-map rm-only-default (no entry matched: implicit deny)", other.DeniedBy);
    }

    [Fact]
    public void A_permit_without_sets_returns_the_same_attribute_instance()
    {
        var attrs = Attrs("65001");
        var r = Run(new PolicySet(routeMaps: [Rm("m", E(10, "permit"))]), "m", attrs);
        Assert.True(r.Permit);
        Assert.Same(attrs, r.Attributes);
    }

    [Fact]
    public void A_set_to_the_current_value_also_returns_the_same_instance()
    {
        var attrs = Attrs("65001", med: 5);
        var r = Run(new PolicySet(routeMaps: [Rm("m", E(10, "permit", "set metric 5"))]), "m", attrs);
        Assert.Same(attrs, r.Attributes);
    }

    [Fact]
    public void A_deny_entry_denies_and_names_itself()
    {
        var r = Run(new PolicySet(routeMaps: [Rm("m", E(10, "deny", "match metric 0"), E(20, "permit"))]), "m");
        Assert.False(r.Permit);
        Assert.Equal("route-map m deny 10", r.DeniedBy);
    }

    [Fact]
    public void Sets_of_a_deny_entry_are_not_applied_and_non_matching_entries_are_skipped()
    {
        var r = Run(new PolicySet(routeMaps: [Rm("m", E(10, "permit", "match metric 7", "set weight 1"), E(20, "permit", "set weight 2"))]), "m");
        Assert.Equal(2u, r.Weight);
    }

    [Fact]
    public void On_match_next_accumulates_sets_and_falling_off_the_end_permits()
    {
        var r = Run(new PolicySet(routeMaps: [Rm("m",
            E(10, "permit", "set local-preference 200", "on-match next"),
            E(20, "permit", "match local-preference 200", "set metric 50", "continue"),
            E(30, "permit", "match metric 999", "set weight 9"))]), "m");
        Assert.True(r.Permit);
        Assert.Equal(200u, r.Attributes.LocalPref);
        Assert.Equal(50u, r.Attributes.Med);
        Assert.Equal(0u, r.Weight);
    }

    [Fact]
    public void Later_entries_see_what_earlier_sets_did_to_communities()
    {
        var set = new PolicySet(
            communityLists: [new CommunityList("c", CommunityListStyle.Standard, [new CommunityListEntry(5, PolicyAction.Permit, CommunityListStyle.Standard, [0xFDE90001u], null)])],
            routeMaps: [Rm("m", E(10, "permit", "set community 65001:1", "on-match next"), E(20, "deny", "match community c"), E(30, "permit"))]);
        Assert.False(Run(set, "m").Permit);
    }

    [Fact]
    public void Goto_skips_to_the_first_entry_at_or_after_the_target()
    {
        var r = Run(new PolicySet(routeMaps: [Rm("m",
            E(10, "permit", "set metric 1", "on-match goto 25"),
            E(20, "deny"),
            E(30, "permit", "set weight 3"))]), "m");
        Assert.True(r.Permit);
        Assert.Equal(1u, r.Attributes.Med);
        Assert.Equal(3u, r.Weight);
    }

    [Fact]
    public void Goto_past_the_last_entry_permits()
    {
        var r = Run(new PolicySet(routeMaps: [Rm("m", E(10, "permit", "set metric 1", "continue 100"), E(20, "deny"))]), "m");
        Assert.True(r.Permit);
    }

    [Fact]
    public void Call_applies_the_called_map_and_its_deny_denies()
    {
        var ok = new PolicySet(routeMaps: [Rm("m", E(10, "permit", "set metric 1", "call sub")), Rm("sub", E(10, "permit", "set weight 7"))]);
        var r = Run(ok, "m");
        Assert.True(r.Permit);
        Assert.Equal((1u, 7u), (r.Attributes.Med!.Value, r.Weight));
        var deny = new PolicySet(routeMaps: [Rm("m", E(10, "permit", "call sub")), Rm("sub", E(10, "deny"))]);
        Assert.Equal("route-map sub deny 10", Run(deny, "m").DeniedBy);
        var noMatch = new PolicySet(routeMaps: [Rm("m", E(10, "permit", "call sub")), Rm("sub", E(10, "permit", "match metric 99"))]);
        Assert.False(Run(noMatch, "m").Permit);
    }

    [Fact]
    public void Undefined_names_behave_as_in_frr()
    {
        var set = new PolicySet(routeMaps: [Rm("m", E(10, "permit", "match ip address prefix-list nope", "set weight 1"), E(20, "permit", "set weight 2"))]);
        Assert.Equal(2u, Run(set, "m").Weight); // undefined list in a match: no match
        var undefinedMap = Run(set, "missing");
        Assert.False(undefinedMap.Permit);
        Assert.Equal("route-map missing (not defined)", undefinedMap.DeniedBy);
    }

    [Fact]
    public void An_empty_route_map_denies()
    {
        Assert.False(Run(new PolicySet(routeMaps: [Rm("m")]), "m").Permit);
    }
}
