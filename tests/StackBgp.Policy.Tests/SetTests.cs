using System.Net;
using StackBgp.Wire;
using Xunit;
using static StackBgp.Policy.Tests.P;

namespace StackBgp.Policy.Tests;

public class SetTests
{
    private static readonly CommunityList Scrub = new("scrub", CommunityListStyle.Expanded,
        [new CommunityListEntry(5, PolicyAction.Deny, CommunityListStyle.Expanded, [], "^65001:1$"),
         new CommunityListEntry(10, PolicyAction.Permit, CommunityListStyle.Expanded, [], "^65001:")]);

    private static readonly CommunityList DelStd = new("del", CommunityListStyle.Standard,
        [new CommunityListEntry(5, PolicyAction.Permit, CommunityListStyle.Standard, [Community.NoExport], null)]);

    private static readonly LargeCommunityList DelLarge = new("dl", CommunityListStyle.Standard,
        [new LargeCommunityListEntry(5, PolicyAction.Permit, CommunityListStyle.Standard, [new LargeCommunity(1, 2, 3)], null)]);

    private static PolicyOutcome Apply(PathAttributes attrs, RouteContext ctx, params string[] sets)
    {
        var set = new PolicySet(communityLists: [Scrub, DelStd], largeCommunityLists: [DelLarge], routeMaps: [Rm("m", E(10, "permit", sets))]);
        return CompiledPolicy.Compile(set).ApplyRouteMap("m", Prefix.Parse("10.0.0.0/8"), attrs, in ctx);
    }

    private static PolicyOutcome Apply(PathAttributes attrs, params string[] sets) => Apply(attrs, default, sets);

    [Theory]
    [InlineData(null, "set metric 10", 10u)]
    [InlineData(5u, "set metric +10", 15u)]
    [InlineData(null, "set metric +10", 10u)]
    [InlineData(5u, "set metric -10", 0u)]
    [InlineData(4294967290u, "set metric +10", 4294967295u)]
    public void Metric_absolute_and_relative(uint? med, string set, uint expected) =>
        Assert.Equal(expected, Apply(Attrs("1", med: med), set).Attributes.Med);

    [Fact]
    public void Local_preference_weight_and_origin()
    {
        Assert.Equal(300u, Apply(Attrs("1", lp: 100), "set local-preference 300").Attributes.LocalPref);
        Assert.Equal(150u, Apply(Attrs("1"), "set local-preference +50").Attributes.LocalPref);
        Assert.Equal(90u, Apply(Attrs("1"), "set local-preference -10").Attributes.LocalPref);
        Assert.Equal(42u, Apply(Attrs("1"), "set weight 42").Weight);
        Assert.Equal(Origin.Incomplete, Apply(Attrs("1"), "set origin incomplete").Attributes.Origin);
    }

    [Fact]
    public void Community_replace_additive_none_and_delete()
    {
        var a = Attrs("1", communities: ["65001:1", "65001:2", "no-export"]);
        Assert.Equal(["65000:7"], Apply(a, "set community 65000:7").Attributes.Communities.Select(StandardCommunity.Format));
        Assert.Equal(["65000:7", "65001:1", "65001:2", "no-export"],
            Apply(a, "set community 65000:7 additive").Attributes.Communities.Select(StandardCommunity.Format));
        Assert.Empty(Apply(a, "set community none").Attributes.Communities);
        // deny entry protects 65001:1; the permit entry deletes the other 65001:*
        Assert.Equal(["65001:1", "no-export"], Apply(a, "set comm-list scrub delete").Attributes.Communities.Select(StandardCommunity.Format));
        Assert.Equal(["65001:1", "65001:2"], Apply(a, "set comm-list del delete").Attributes.Communities.Select(StandardCommunity.Format));
        Assert.Same(a, Apply(a, "set comm-list undefined delete").Attributes);
    }

    [Fact]
    public void Graceful_shutdown_community_by_name()
    {
        var r = Apply(Attrs("1"), "set community graceful-shutdown additive");
        Assert.True(r.Attributes.HasCommunity(Community.GracefulShutdown));
    }

    [Fact]
    public void Large_and_extended_communities()
    {
        var a = new PathAttributes { LargeCommunities = [new LargeCommunity(1, 2, 3), new LargeCommunity(1, 2, 4)] };
        Assert.Equal([new LargeCommunity(1, 2, 3), new LargeCommunity(1, 2, 4), new LargeCommunity(9, 9, 9)],
            Apply(a, "set large-community 9:9:9 additive").Attributes.LargeCommunities.ToArray());
        Assert.Equal([new LargeCommunity(9, 9, 9)], Apply(a, "set large-community 9:9:9").Attributes.LargeCommunities.ToArray());
        Assert.Empty(Apply(a, "set large-community none").Attributes.LargeCommunities.ToArray());
        Assert.Equal([new LargeCommunity(1, 2, 4)], Apply(a, "set large-comm-list dl delete").Attributes.LargeCommunities.ToArray());
        Assert.Equal([ExtendedCommunity.RouteTarget(65001, 99)], Apply(Attrs("1"), "set extcommunity rt 65001:99").Attributes.ExtendedCommunities.ToArray());
    }

    [Fact]
    public void As_path_prepend_last_as_and_exclude()
    {
        Assert.Equal("65000 65000 65001 65002", Apply(Attrs("65001 65002"), "set as-path prepend 65000 65000").Attributes.AsPath.ToString());
        Assert.Equal("64512 65000 65001", Apply(Attrs("65001"), "set as-path prepend 64512 65000").Attributes.AsPath.ToString());
        Assert.Equal("65001 65001 65001 65002", Apply(Attrs("65001 65002"), "set as-path prepend last-as 2").Attributes.AsPath.ToString());
        Assert.Equal("65001 65003", Apply(Attrs("65001 65002 65003"), "set as-path exclude 65002").Attributes.AsPath.ToString());
        Assert.Equal("", Apply(Attrs("65002"), "set as-path exclude 65002").Attributes.AsPath.ToString());
    }

    [Fact]
    public void Ipv4_next_hop()
    {
        Assert.Equal(NextHop.Parse("192.0.2.9"), Apply(Attrs("1", nh: "192.0.2.1"), "set ip next-hop 192.0.2.9").Attributes.NextHop);
        var import = new RouteContext { PeerAddress = IPAddress.Parse("198.51.100.1") };
        Assert.Equal(NextHop.Parse("198.51.100.1"), Apply(Attrs("1", nh: "192.0.2.1"), import, "set ip next-hop peer-address").Attributes.NextHop);
        var export = import with { IsExport = true };
        var r = Apply(Attrs("1", nh: "192.0.2.1"), export, "set ip next-hop peer-address");
        Assert.Equal(NextHopDirective.Self, r.NextHop);
        Assert.Equal(NextHop.Parse("192.0.2.1"), r.Attributes.NextHop);
        Assert.Equal(NextHopDirective.Unchanged, Apply(Attrs("1"), export, "set ip next-hop unchanged").NextHop);
    }

    [Fact]
    public void Ipv6_next_hop()
    {
        var a = new PathAttributes { NextHop = NextHop.Parse("2001:db8::1", "fe80::1") };
        Assert.Equal(NextHop.Parse("2001:db8::9", "fe80::1"), Apply(a, "set ipv6 next-hop global 2001:db8::9").Attributes.NextHop);
        Assert.Equal(NextHop.Parse("2001:db8::1", "fe80::9"), Apply(a, "set ipv6 next-hop local fe80::9").Attributes.NextHop);
        Assert.Equal(NextHopDirective.PreferGlobal, Apply(a, "set ipv6 next-hop prefer-global").NextHop);
        var import = new RouteContext { PeerAddress = IPAddress.Parse("2001:db8::77") };
        Assert.Equal(NextHop.Parse("2001:db8::77"), Apply(a, import, "set ipv6 next-hop peer-address").Attributes.NextHop);
    }

    [Fact]
    public void Src_is_reported_for_the_fib()
    {
        var r = Apply(Attrs("1"), "set src 99.99.1.2");
        Assert.Equal(IPAddress.Parse("99.99.1.2"), r.Source);
    }

    [Fact]
    public void Several_sets_make_one_new_attribute_set_and_leave_the_input_alone()
    {
        var a = Attrs("65001", med: 1, lp: 100);
        var r = Apply(a, "set metric 2", "set local-preference 200", "set community 65000:1", "set as-path prepend 65000");
        Assert.Equal((2u, 200u), (r.Attributes.Med!.Value, r.Attributes.LocalPref!.Value));
        Assert.Equal("65000 65001", r.Attributes.AsPath.ToString());
        Assert.Equal((1u, 100u), (a.Med!.Value, a.LocalPref!.Value));
        Assert.Equal("65001", a.AsPath.ToString());
    }
}
