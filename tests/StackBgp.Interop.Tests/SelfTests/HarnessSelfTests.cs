using System.Text.Json.Nodes;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.SelfTests;

/// <summary>
/// Proves the lab library with real daemons only (no StackBgp): two namespaces, one veth, an eBGP
/// session per address family, one IPv4 and one IPv6 route each way, checked in both peers' CLIs.
/// </summary>
public sealed class HarnessSelfTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);

    [Fact]
    public void Frr_and_bird_exchange_ipv4_and_ipv6_routes()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, "10.0.0.1/24", "10.0.0.2/24", "fd00::1/64", "fd00::2/64");
        using FrrInstance frr = FrrInstance.Start(a,
            PeerConfigs.Frr("frr-a", 65001, "10.0.0.1", "10.0.0.2", "fd00::2", 65002, "192.0.2.0/24", "2001:db8:1::/48"),
            log: output.WriteLine);
        using BirdInstance bird = BirdInstance.Start(b,
            PeerConfigs.Bird(65002, "10.0.0.2", "10.0.0.2", "10.0.0.1", "fd00::2", "fd00::1", 65001, "198.51.100.0/24", "2001:db8:2::/48"),
            output.WriteLine);

        frr.WaitEstablished("10.0.0.2", Converge);
        frr.WaitEstablished("fd00::2", Converge);
        bird.WaitEstablished("peer4", Converge);
        bird.WaitEstablished("peer6", Converge);

        // FRR learned BIRD's routes, with BIRD's AS in the path and BIRD's address as next hop.
        AssertFrrPath(frr, "198.51.100.0/24", "65002", "10.0.0.2");
        AssertFrrPath(frr, "2001:db8:2::/48", "65002", "fd00::2");

        // BIRD learned FRR's routes.
        string r4 = Poll.Until(() => bird.Route("192.0.2.0/24"), s => s.Contains("65001", StringComparison.Ordinal), Converge,
            "BIRD route 192.0.2.0/24 with AS path 65001");
        Assert.Contains("via 10.0.0.1", r4, StringComparison.Ordinal);
        string r6 = Poll.Until(() => bird.Route("2001:db8:1::/48"), s => s.Contains("65001", StringComparison.Ordinal), Converge,
            "BIRD route 2001:db8:1::/48 with AS path 65001");
        Assert.Contains("BGP.next_hop: fd00::1", r6, StringComparison.Ordinal);

        // zebra put the BGP routes into the namespace's kernel.
        Poll.Until(() => a.Routes().Contains("198.51.100.0/24 nhid", StringComparison.Ordinal) || a.Routes().Contains("198.51.100.0/24 via", StringComparison.Ordinal),
            Converge, () => $"kernel route 198.51.100.0/24 in {a.Name}; seen:\n{a.Routes()}");
    }

    [Fact]
    public void Frr_and_gobgp_exchange_ipv4_and_ipv6_routes()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, "10.0.1.1/24", "10.0.1.2/24", "fd00:1::1/64", "fd00:1::2/64");
        using FrrInstance frr = FrrInstance.Start(a,
            PeerConfigs.Frr("frr-a", 65001, "10.0.1.1", "10.0.1.2", "fd00:1::2", 65003, "192.0.2.0/24", "2001:db8:1::/48"),
            log: output.WriteLine);
        using GoBgpInstance gobgp = GoBgpInstance.Start(b,
            PeerConfigs.GoBgp(65003, "10.0.1.2", "10.0.1.1", "fd00:1::1", 65001), log: output.WriteLine);
        gobgp.AddRoute("203.0.113.0/24", "community", "65003:7", "med", "10");
        gobgp.AddRoute("2001:db8:3::/48");

        frr.WaitEstablished("10.0.1.2", Converge);
        frr.WaitEstablished("fd00:1::2", Converge);
        gobgp.WaitEstablished("10.0.1.1", Converge);
        gobgp.WaitEstablished("fd00:1::1", Converge);

        JsonNode p4 = AssertFrrPath(frr, "203.0.113.0/24", "65003", "10.0.1.2");
        Assert.Equal(10, p4["metric"]?.GetValue<int>());
        AssertFrrPath(frr, "2001:db8:3::/48", "65003", "fd00:1::2");

        foreach ((string prefix, string nextHop) in new[] { ("192.0.2.0/24", "10.0.1.1"), ("2001:db8:1::/48", "fd00:1::1") })
        {
            JsonArray paths = Poll.Until(() => gobgp.Paths(prefix), p => p.Count > 0, Converge, $"GoBGP path for {prefix}");
            string attrs = paths[0]!.ToJsonString();
            Assert.Contains("65001", attrs, StringComparison.Ordinal);
            Assert.Contains(nextHop, attrs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Exabgp_scripted_routes_with_raw_attribute_reach_frr()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, "10.0.2.1/24", "10.0.2.2/24");
        using FrrInstance frr = FrrInstance.Start(a, """
            frr defaults datacenter
            router bgp 65001
             bgp router-id 10.0.2.1
             no bgp ebgp-requires-policy
             neighbor 10.0.2.2 remote-as 65004
             neighbor 10.0.2.2 timers 3 9
            exit
            """ + "\n", log: output.WriteLine);
        using ExaBgpInstance exa = ExaBgpInstance.Start(b, """
            neighbor 10.0.2.1 {
              router-id 10.0.2.2;
              local-address 10.0.2.2;
              local-as 65004;
              peer-as 65001;
              hold-time 9;
              family { ipv4 unicast; }
              api { processes [ ctl ]; }
            }
            """, output.WriteLine);
        frr.WaitEstablished("10.0.2.2", Converge);
        exa.Send("announce route 198.51.100.0/24 next-hop 10.0.2.2 large-community [65004:1:2] attribute [0xf0 0xc0 0x01020304]");
        JsonNode path = AssertFrrPath(frr, "198.51.100.0/24", "65004", "10.0.2.2");
        Assert.NotNull(path);
        exa.Send("withdraw route 198.51.100.0/24 next-hop 10.0.2.2");
        Poll.Until(() => frr.Paths("198.51.100.0/24").Count == 0, Converge,
            () => $"FRR to drop 198.51.100.0/24 after ExaBGP's withdraw; seen {frr.Paths("198.51.100.0/24").ToJsonString()}");
    }

    [Fact]
    public void Openbgpd_and_frr_exchange_routes()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, "10.0.3.1/24", "10.0.3.2/24");
        using FrrInstance frr = FrrInstance.Start(a, """
            frr defaults datacenter
            router bgp 65001
             bgp router-id 10.0.3.1
             no bgp ebgp-requires-policy
             no bgp network import-check
             neighbor 10.0.3.2 remote-as 65005
             neighbor 10.0.3.2 timers 3 9
             address-family ipv4 unicast
              network 192.0.2.0/24
             exit-address-family
            exit
            """ + "\n", log: output.WriteLine);
        using OpenBgpdInstance obgpd = OpenBgpdInstance.Start(b, """
            AS 65005
            router-id 10.0.3.2
            listen on 10.0.3.2
            network 198.51.100.0/24
            neighbor 10.0.3.1 {
              remote-as 65001
              descr "frr"
              holdtime 9
            }
            allow from any
            allow to any
            """ + "\n", output.WriteLine);
        frr.WaitEstablished("10.0.3.2", Converge);
        AssertFrrPath(frr, "198.51.100.0/24", "65005", "10.0.3.2");
        Poll.Until(() => obgpd.Bgpctl("show rib 192.0.2.0/24"), s => s.Contains("65001", StringComparison.Ordinal), Converge,
            "OpenBGPD RIB entry 192.0.2.0/24 from AS 65001");
    }

    [Fact]
    public void Namespace_exec_is_bounded_and_dispose_leaves_nothing()
    {
        string name;
        using (NetNs ns = NetNs.Create())
        {
            name = ns.Name;
            ExecResult slow = ns.Exec(TimeSpan.FromMilliseconds(300), "sleep", "30");
            Assert.True(slow.TimedOut, slow.ToString());
            ExecResult ok = ns.Exec("ip", "-o", "link", "show", "lo");
            Assert.True(ok.Succeeded, ok.ToString());
            Assert.Contains("LOOPBACK", ok.Stdout, StringComparison.Ordinal);
            ns.AddLoopbackAddress("192.1.1.1/32");
            Assert.Contains("192.1.1.1/32", ns.Ip("addr", "show", "dev", "lo").Stdout, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(name, Shell.Run("ip", "netns", "list").Stdout, StringComparison.Ordinal);
    }

    private static JsonNode AssertFrrPath(FrrInstance frr, string prefix, string asPath, string nextHop)
    {
        JsonArray paths = Poll.Until(() => frr.Paths(prefix), p => p.Count > 0, Converge, $"FRR path for {prefix}");
        JsonNode best = paths.FirstOrDefault(p => p?["bestpath"]?.GetValue<bool>() == true) ?? paths[0]!;
        Assert.Equal(asPath, best["path"]?.GetValue<string>());
        string hops = best["nexthops"]!.ToJsonString();
        Assert.Contains(nextHop, hops, StringComparison.Ordinal);
        return best;
    }
}
