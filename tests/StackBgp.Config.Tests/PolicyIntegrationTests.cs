using System.Net;
using StackBgp.Policy;
using StackBgp.Wire;
using Xunit;

namespace StackBgp.Config.Tests;

public class PolicyIntegrationTests
{
    private static readonly StackBgpConfig Rhosp = ConfigParser.Parse(RhospConfigs.Render, "frr.conf").Config!;

    [Fact]
    public void Rhosp_uplinks_announce_only_host_routes()
    {
        var policy = Rhosp.CompilePolicy();
        var n = Rhosp.Bgp!.EffectiveNeighbors(Rhosp.TimerDefaults)[0];
        RouteContext ctx = new() { IsExport = true, PeerInterface = n.Id, LocalAs = 64999 };
        var v4 = policy.Outbound(n.Families[AddressFamily.Ipv4Unicast]);
        Assert.True(v4.Evaluate(Prefix.Parse("172.17.0.100/32"), PathAttributes.Empty, in ctx).Permit);   // a Pacemaker VIP
        Assert.False(v4.Evaluate(Prefix.Parse("172.17.0.0/24"), PathAttributes.Empty, in ctx).Permit);    // the subnet
        var v6 = policy.Outbound(n.Families[AddressFamily.Ipv6Unicast]);
        Assert.True(v6.Evaluate(Prefix.Parse("2001:db8::10/128"), PathAttributes.Empty, in ctx).Permit);
        Assert.False(v6.Evaluate(Prefix.Parse("2001:db8::/64"), PathAttributes.Empty, in ctx).Permit);
        Assert.True(policy.Inbound(n.Families[AddressFamily.Ipv4Unicast]).IsEmpty);
    }

    [Fact]
    public void Rhosp_fib_installs_only_the_default_route_with_the_loopback_as_source()
    {
        var policy = Rhosp.CompilePolicy();
        RouteContext ctx = new() { Source = RouteSourceProtocol.Bgp };
        var fib4 = policy.Fib(Rhosp, Afi.Ipv4)!;
        var d4 = fib4.Evaluate(Prefix.Parse("0.0.0.0/0"), PathAttributes.Empty, in ctx);
        Assert.True(d4.Permit);
        Assert.Equal(IPAddress.Parse("99.99.1.2"), d4.Source);
        Assert.False(fib4.Evaluate(Prefix.Parse("10.0.0.5/32"), PathAttributes.Empty, in ctx).Permit);
        var d6 = policy.Fib(Rhosp, Afi.Ipv6)!.Evaluate(Prefix.Parse("::/0"), PathAttributes.Empty, in ctx);
        Assert.Equal(IPAddress.Parse("f00d:f00d:f00d:f00d:f00d:f00d:f00d:12"), d6.Source);
    }

    [Fact]
    public void Evaluating_a_route_map_that_changes_nothing_allocates_nothing()
    {
        var c = ConfigParser.Parse("""
            ip prefix-list hosts seq 5 permit 0.0.0.0/0 ge 32
            bgp as-path access-list own permit ^$
            bgp community-list standard gs permit graceful-shutdown
            route-map out deny 5
             match community gs
            route-map out permit 10
             match ip address prefix-list hosts
             match as-path own
            """, "t.conf").Config!;
        var np = c.CompilePolicy().ForNeighbor(Afi.Ipv4, "hosts", null, "out");
        var attrs = PathAttributes.Empty;
        RouteContext ctx = new() { IsExport = true };
        var p = Prefix.Parse("10.0.0.1/32");
        Assert.True(np.Evaluate(p, attrs, in ctx).Permit); // warm up caches and JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            var r = np.Evaluate(Prefix.FromV4(0x0A000000u + (uint)i, 32), attrs, in ctx);
            if (!r.Permit) Assert.Fail("expected permit");
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"expected no allocation for 10,000 unchanged routes, saw {allocated} bytes");
    }
}
