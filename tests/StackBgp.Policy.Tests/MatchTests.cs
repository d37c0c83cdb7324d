using System.Net;
using StackBgp.Wire;
using Xunit;
using static StackBgp.Policy.Tests.P;

namespace StackBgp.Policy.Tests;

public class MatchTests
{
    private static readonly PolicySet Lists = new(
        prefixLists: [Pl("p4", Pe(5, "permit", "10.0.0.0/8", le: 32)), Pl("p6", Pe(5, "permit", "2001:db8::/32", le: 128)),
                      Pl("nh", Pe(5, "permit", "192.0.2.0/24", le: 32))],
        communityLists:
        [
            new CommunityList("std", CommunityListStyle.Standard, [
                new CommunityListEntry(5, PolicyAction.Deny, CommunityListStyle.Standard, [Community.NoExport], null),
                new CommunityListEntry(10, PolicyAction.Permit, CommunityListStyle.Standard, [0xFDE90064u, 0xFDE90065u], null)]),
            new CommunityList("any", CommunityListStyle.Standard, [new CommunityListEntry(5, PolicyAction.Permit, CommunityListStyle.Standard, [StandardCommunity.Internet], null)]),
            new CommunityList("exp", CommunityListStyle.Expanded, [new CommunityListEntry(5, PolicyAction.Permit, CommunityListStyle.Expanded, [], "_65001:1.._")]),
        ],
        largeCommunityLists: [new LargeCommunityList("lc", CommunityListStyle.Standard, [new LargeCommunityListEntry(5, PolicyAction.Permit, CommunityListStyle.Standard, [new LargeCommunity(65001, 1, 2)], null)])],
        extCommunityLists: [new ExtCommunityList("ext", CommunityListStyle.Standard, [new ExtCommunityListEntry(5, PolicyAction.Permit, CommunityListStyle.Standard, [ExtendedCommunity.RouteTarget(65001, 10)], null)])],
        asPathLists: [new AsPathAccessList("from65001", [new AsPathAccessListEntry(5, PolicyAction.Permit, "^65001_")])]);

    private static bool Matches(string match, PathAttributes? attrs = null, Prefix? prefix = null, RouteContext ctx = default)
    {
        var set = new PolicySet(Lists.PrefixLists, Lists.CommunityLists, Lists.LargeCommunityLists, Lists.ExtCommunityLists, Lists.AsPathLists,
            [Rm("m", E(10, "permit", match))]);
        return CompiledPolicy.Compile(set).ApplyRouteMap("m", prefix ?? Prefix.Parse("10.1.0.0/16"), attrs ?? Attrs("65001"), in ctx).Permit;
    }

    [Fact]
    public void Ip_and_ipv6_address_prefix_list()
    {
        Assert.True(Matches("match ip address prefix-list p4"));
        Assert.False(Matches("match ip address prefix-list p4", prefix: Prefix.Parse("11.0.0.0/8")));
        Assert.False(Matches("match ip address prefix-list p6", prefix: Prefix.Parse("2001:db8::/48"))); // wrong family keyword
        Assert.True(Matches("match ipv6 address prefix-list p6", prefix: Prefix.Parse("2001:db8::/48")));
    }

    [Fact]
    public void Next_hop_prefix_list_and_address()
    {
        Assert.True(Matches("match ip next-hop prefix-list nh", Attrs("1", nh: "192.0.2.7")));
        Assert.False(Matches("match ip next-hop prefix-list nh", Attrs("1", nh: "198.51.100.1")));
        Assert.False(Matches("match ip next-hop prefix-list nh", Attrs("1")));
        Assert.True(Matches("match ip next-hop address 192.0.2.7", Attrs("1", nh: "192.0.2.7")));
        Assert.False(Matches("match ip next-hop address 192.0.2.8", Attrs("1", nh: "192.0.2.7")));
        Assert.True(Matches("match ipv6 next-hop address 2001:db8::1", new PathAttributes { NextHop = NextHop.Parse("2001:db8::1", "fe80::1") }));
    }

    [Theory]
    [InlineData(new[] { "65001:100", "65001:101" }, true)]
    [InlineData(new[] { "65001:100", "65001:101", "65001:5" }, true)]
    [InlineData(new[] { "65001:100" }, false)]                       // all values of the entry must be present
    [InlineData(new[] { "65001:100", "65001:101", "no-export" }, false)] // first entry (deny no-export) decides
    [InlineData(new string[0], false)]
    public void Standard_community_list(string[] communities, bool expected) =>
        Assert.Equal(expected, Matches("match community std", Attrs("1", communities: communities)));

    [Fact]
    public void Exact_match_needs_the_same_set()
    {
        Assert.True(Matches("match community std exact-match", Attrs("1", communities: ["65001:101", "65001:100"])));
        Assert.False(Matches("match community std exact-match", Attrs("1", communities: ["65001:100", "65001:101", "65001:5"])));
    }

    [Fact]
    public void Internet_matches_any_route_and_expanded_lists_use_regex()
    {
        Assert.True(Matches("match community any", Attrs("1")));
        Assert.True(Matches("match community exp", Attrs("1", communities: ["65000:1", "65001:123"])));
        Assert.False(Matches("match community exp", Attrs("1", communities: ["65001:1234"])));
        Assert.False(Matches("match community undefined", Attrs("1")));
    }

    [Fact]
    public void Large_and_extended_community_lists()
    {
        var lc = new PathAttributes { LargeCommunities = [new LargeCommunity(65001, 1, 2), new LargeCommunity(65001, 1, 3)] };
        Assert.True(Matches("match large-community lc", lc));
        Assert.False(Matches("match large-community lc exact-match", lc));
        Assert.False(Matches("match large-community lc", Attrs("1")));
        var ext = new PathAttributes { ExtendedCommunities = [ExtendedCommunity.RouteTarget(65001, 10)] };
        Assert.True(Matches("match extcommunity ext", ext));
        Assert.False(Matches("match extcommunity ext", Attrs("1")));
    }

    [Fact]
    public void As_path_list()
    {
        Assert.True(Matches("match as-path from65001", Attrs("65001 65002")));
        Assert.False(Matches("match as-path from65001", Attrs("65002 65001")));
        Assert.False(Matches("match as-path from65001", Attrs("650011")));
    }

    [Fact]
    public void Local_preference_metric_and_origin()
    {
        Assert.True(Matches("match local-preference 200", Attrs("1", lp: 200)));
        Assert.True(Matches("match local-preference 100", Attrs("1"))); // absent: the default 100
        Assert.False(Matches("match local-preference 200", Attrs("1", lp: 100)));
        Assert.True(Matches("match metric 0", Attrs("1")));
        Assert.True(Matches("match metric 20", Attrs("1", med: 20)));
        Assert.False(Matches("match metric 20", Attrs("1", med: 21)));
        Assert.True(Matches("match origin igp", Attrs("1")));
        Assert.True(Matches("match origin incomplete", new PathAttributes { Origin = Origin.Incomplete }));
        Assert.False(Matches("match origin egp", Attrs("1")));
    }

    [Fact]
    public void Peer_interface_and_source_protocol_come_from_the_context()
    {
        var bgp = new RouteContext { PeerAddress = IPAddress.Parse("192.0.2.1"), PeerInterface = "enp2s0", Source = RouteSourceProtocol.Bgp };
        Assert.True(Matches("match peer 192.0.2.1", ctx: bgp));
        Assert.False(Matches("match peer 192.0.2.2", ctx: bgp));
        Assert.True(Matches("match peer enp2s0", ctx: bgp));
        Assert.False(Matches("match peer local", ctx: bgp));
        var connected = new RouteContext { Interface = "lo", Source = RouteSourceProtocol.Connected };
        Assert.True(Matches("match peer local", ctx: connected));
        Assert.True(Matches("match interface lo", ctx: connected));
        Assert.False(Matches("match interface eth0", ctx: connected));
        Assert.True(Matches("match source-protocol connected", ctx: connected));
        Assert.False(Matches("match source-protocol static", ctx: connected));
    }

    [Fact]
    public void All_matches_of_an_entry_must_hold()
    {
        var set = new PolicySet(Lists.PrefixLists, routeMaps: [Rm("m", E(10, "permit", "match ip address prefix-list p4", "match metric 5"))]);
        var p = CompiledPolicy.Compile(set);
        RouteContext ctx = default;
        Assert.True(p.ApplyRouteMap("m", Prefix.Parse("10.0.0.0/8"), Attrs("1", med: 5), in ctx).Permit);
        Assert.False(p.ApplyRouteMap("m", Prefix.Parse("10.0.0.0/8"), Attrs("1", med: 6), in ctx).Permit);
        Assert.False(p.ApplyRouteMap("m", Prefix.Parse("11.0.0.0/8"), Attrs("1", med: 5), in ctx).Permit);
    }
}
