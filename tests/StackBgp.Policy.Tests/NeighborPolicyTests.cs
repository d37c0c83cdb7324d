using StackBgp.Wire;
using Xunit;
using static StackBgp.Policy.Tests.P;

namespace StackBgp.Policy.Tests;

public class NeighborPolicyTests
{
    private static readonly CompiledPolicy Policy = CompiledPolicy.Compile(new PolicySet(
        prefixLists: [Pl("only-host-prefixes", Pe(5, "permit", "0.0.0.0/0", ge: 32))],
        asPathLists: [new AsPathAccessList("no-transit", [new AsPathAccessListEntry(5, PolicyAction.Permit, "^$")])],
        routeMaps: [Rm("out", E(10, "permit", "set community no-export additive"))]));

    [Fact]
    public void Prefix_list_then_filter_list_then_route_map()
    {
        var np = Policy.ForNeighbor(Afi.Ipv4, "only-host-prefixes", "no-transit", "out");
        RouteContext ctx = new() { IsExport = true };
        var local = Attrs();
        var ok = np.Evaluate(Prefix.Parse("99.99.1.2/32"), local, in ctx);
        Assert.True(ok.Permit);
        Assert.True(ok.Attributes.HasCommunity(Community.NoExport));

        var subnet = np.Evaluate(Prefix.Parse("10.0.0.0/24"), local, in ctx);
        Assert.False(subnet.Permit);
        Assert.Equal("prefix-list only-host-prefixes", subnet.DeniedBy);
        Assert.Same(local, subnet.Attributes);

        var transit = np.Evaluate(Prefix.Parse("99.99.1.3/32"), Attrs("65001"), in ctx);
        Assert.False(transit.Permit);
        Assert.Equal("filter-list no-transit", transit.DeniedBy);
    }

    [Fact]
    public void Undefined_neighbor_lists_deny_everything_as_frr_does()
    {
        RouteContext ctx = default;
        Assert.Equal("prefix-list nope", Policy.ForNeighbor(Afi.Ipv4, "nope", null, null).Evaluate(Prefix.Parse("99.99.1.2/32"), Attrs(), in ctx).DeniedBy);
        Assert.False(Policy.ForNeighbor(Afi.Ipv4, null, "nope", null).Evaluate(Prefix.Parse("99.99.1.2/32"), Attrs(), in ctx).Permit);
        Assert.False(Policy.ForNeighbor(Afi.Ipv4, null, null, "nope").Evaluate(Prefix.Parse("99.99.1.2/32"), Attrs(), in ctx).Permit);
    }

    [Fact]
    public void No_policy_passes_everything_unchanged()
    {
        var np = Policy.ForNeighbor(Afi.Ipv6, null, null, null);
        Assert.True(np.IsEmpty);
        var a = Attrs("65001");
        RouteContext ctx = new() { Weight = 7 };
        var r = np.Evaluate(Prefix.Parse("2001:db8::/32"), a, in ctx);
        Assert.True(r.Permit);
        Assert.Same(a, r.Attributes);
        Assert.Equal(7u, r.Weight);
    }
}
