using StackBgp.Wire;
using Xunit;
using static StackBgp.Policy.Tests.P;

namespace StackBgp.Policy.Tests;

public class ExpandedListTests
{
    private static bool Matches(PolicySet lists, string match, PathAttributes attrs)
    {
        var set = new PolicySet(lists.PrefixLists, lists.CommunityLists, lists.LargeCommunityLists, lists.ExtCommunityLists, lists.AsPathLists,
            [Rm("m", E(10, "permit", match))]);
        RouteContext ctx = default;
        return CompiledPolicy.Compile(set).ApplyRouteMap("m", Prefix.Parse("10.0.0.0/8"), attrs, in ctx).Permit;
    }

    [Fact]
    public void Expanded_large_community_list_matches_the_string_form()
    {
        var lists = new PolicySet(largeCommunityLists: [new LargeCommunityList("x", CommunityListStyle.Expanded,
            [new LargeCommunityListEntry(5, PolicyAction.Deny, CommunityListStyle.Expanded, [], "^65001:0:"),
             new LargeCommunityListEntry(10, PolicyAction.Permit, CommunityListStyle.Expanded, [], "_65001:[0-9]+:7$")])]);
        Assert.True(Matches(lists, "match large-community x", new PathAttributes { LargeCommunities = [new LargeCommunity(65001, 5, 7)] }));
        Assert.False(Matches(lists, "match large-community x", new PathAttributes { LargeCommunities = [new LargeCommunity(65001, 0, 7)] }));
        Assert.False(Matches(lists, "match large-community x", new PathAttributes { LargeCommunities = [new LargeCommunity(65001, 5, 8)] }));
    }

    [Fact]
    public void Expanded_extended_community_list_matches_frrs_rt_form()
    {
        var lists = new PolicySet(extCommunityLists: [new ExtCommunityList("x", CommunityListStyle.Expanded,
            [new ExtCommunityListEntry(5, PolicyAction.Permit, CommunityListStyle.Expanded, [], "^RT:65001:")])]);
        Assert.True(Matches(lists, "match extcommunity x", new PathAttributes { ExtendedCommunities = [ExtendedCommunity.RouteTarget(65001, 10)] }));
        Assert.False(Matches(lists, "match extcommunity x", new PathAttributes { ExtendedCommunities = [ExtendedCommunity.RouteOrigin(65001, 10)] }));
    }

    [Fact]
    public void Extended_community_text_round_trips()
    {
        Assert.True(ExtCommunityText.TryParse("rt", "65001:10", out ulong rt));
        Assert.Equal(ExtendedCommunity.RouteTarget(65001, 10), rt);
        Assert.Equal("rt 65001:10", ExtCommunityText.FormatConfig(rt));
        Assert.True(ExtCommunityText.TryParse("soo", "10.0.0.1:5", out ulong soo));
        Assert.Equal("SoO:10.0.0.1:5", ExtCommunityText.Format(soo));
        Assert.True(ExtCommunityText.TryParse("rt", "4200000000:7", out ulong rt4));
        Assert.Equal("RT:4200000000:7", ExtCommunityText.Format(rt4));
        Assert.False(ExtCommunityText.TryParse("rt", "nonsense", out _));
    }

    [Theory]
    [InlineData("no-export", 0xFFFFFF01u)]
    [InlineData("no-advertise", 0xFFFFFF02u)]
    [InlineData("local-AS", 0xFFFFFF03u)]
    [InlineData("no-export-subconfed", 0xFFFFFF03u)]
    [InlineData("no-peer", 0xFFFFFF04u)]
    [InlineData("blackhole", 0xFFFF029Au)]
    [InlineData("graceful-shutdown", 0xFFFF0000u)]
    [InlineData("internet", 0u)]
    [InlineData("65001:100", 0xFDE90064u)]
    public void Well_known_communities_by_name(string text, uint value)
    {
        Assert.True(StandardCommunity.TryParse(text, out uint v));
        Assert.Equal(value, v);
        Assert.True(StandardCommunity.TryParse(StandardCommunity.Format(v), out uint back));
        Assert.Equal(value, back);
    }

    [Theory]
    [InlineData("65536:1")]
    [InlineData("1:65536")]
    [InlineData("no-such-name")]
    public void Bad_communities_are_rejected(string text) => Assert.False(StandardCommunity.TryParse(text, out _));
}
