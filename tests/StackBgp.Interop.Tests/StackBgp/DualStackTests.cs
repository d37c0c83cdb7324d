using System.Globalization;
using System.Text.Json.Nodes;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 9 point 2: IPv4 and IPv6 over one session — an IPv6 session carrying IPv4 with IPv6 next hops
/// (RFC 8950) on a link without IPv4, and an IPv4 session carrying IPv6 — with FRR and BIRD, checking the
/// global + link-local IPv6 next hops each side receives and what the kernels install. Dual stack over two
/// sessions (one per family) is <see cref="PeeringTests"/> (FRR, BIRD, GoBGP).
/// </summary>
public sealed class DualStackTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);
    private const string StackNet4 = "192.0.2.0/24";
    private const string StackNet6 = "2001:db8:1::/48";
    private const string PeerNet4 = "198.51.100.0/24";
    private const string PeerNet6 = "2001:db8:2::/48";

    /// <summary>stackbgpd AS 65001, one neighbor activated for both families.</summary>
    private static string Stack(string neighbor, bool extendedNextHop) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            hostname stackbgp
            router bgp 65001
             bgp router-id 10.255.0.1
             no bgp ebgp-requires-policy
             no bgp default ipv4-unicast
             no bgp network import-check
             neighbor {neighbor} remote-as 65002
             neighbor {neighbor} timers connect 2
            {(extendedNextHop ? $" neighbor {neighbor} capability extended-nexthop" : "!")}
             address-family ipv4 unicast
              network {StackNet4}
              neighbor {neighbor} activate
             exit-address-family
             address-family ipv6 unicast
              network {StackNet6}
              neighbor {neighbor} activate
             exit-address-family
            """) + "\n";

    private static string Frr(string neighbor, bool extendedNextHop) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            frr defaults traditional
            hostname peer
            log stdout informational
            router bgp 65002
             bgp router-id 10.255.0.2
             no bgp ebgp-requires-policy
             no bgp default ipv4-unicast
             no bgp network import-check
             neighbor {neighbor} remote-as 65001
             neighbor {neighbor} timers connect 2
            {(extendedNextHop ? $" neighbor {neighbor} capability extended-nexthop" : "!")}
             address-family ipv4 unicast
              network {PeerNet4}
              neighbor {neighbor} activate
             exit-address-family
             address-family ipv6 unicast
              network {PeerNet6}
              neighbor {neighbor} activate
             exit-address-family
            !
            """) + "\n";

    private static string Bird(string local, string neighbor, bool extendedNextHop) =>
        string.Create(CultureInfo.InvariantCulture, $$"""
            router id 10.255.0.2;
            protocol device {}
            protocol static s4 { ipv4; route {{PeerNet4}} blackhole; }
            protocol static s6 { ipv6; route {{PeerNet6}} blackhole; }
            protocol bgp stack {
              local {{local}} as 65002;
              neighbor {{neighbor}} as 65001;
              connect retry time 2;
              ipv4 { import all; export where source = RTS_STATIC; {{(extendedNextHop ? "extended next hop on;" : "")}} };
              ipv6 { import all; export where source = RTS_STATIC; };
            }
            """) + "\n";

    [Theory]
    [InlineData("frr")]
    [InlineData("bird")]
    public void Ipv6_session_carries_ipv4_with_ipv6_next_hops_over_a_link_without_ipv4(string kind)
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth link = Veth.Numbered(a, b, null, null, "fd00::1/64", "fd00::2/64");
        string llA = link.LinkLocalA();
        string llB = link.LinkLocalB();
        PeeringTests.WaitIpv6Ready(a, b);
        using StackBgpInstance stack = StackBgpInstance.Start(a, Stack("fd00::2", extendedNextHop: true), output.WriteLine);
        using BgpPeerBase peer = kind == "frr"
            ? (BgpPeerBase)FrrInstance.Start(b, Frr("fd00::1", extendedNextHop: true), log: output.WriteLine)
            : BirdInstance.Start(b, Bird("fd00::2", "fd00::1", extendedNextHop: true), output.WriteLine);
        output.WriteLine($"IPv6 session carrying IPv4 with {peer.Kind} [{peer.Version}]; stack {llA}, peer {llB}");
        PeeringTests.WaitStack(stack, "fd00::2");

        // the peer's IPv4 route reaches stackbgpd with an IPv6 next hop, and its kernel as "via inet6"
        JsonArray p4 = Poll.Until(() => stack.Paths(PeerNet4), p => p.Count > 0, Converge, $"stackbgpd path for {PeerNet4} over the IPv6 session");
        output.WriteLine($"stackbgpd {PeerNet4}: {p4.ToJsonString()}");
        Assert.True(p4.ToJsonString().Contains("fd00::2", StringComparison.Ordinal), $"{PeerNet4} with next hop fd00::2 (RFC 8950); seen {p4.ToJsonString()}");
        string k4 = Poll.Until(() => a.Ip("route", "show", PeerNet4).Stdout, r => r.Contains("via inet6 ", StringComparison.Ordinal), Converge,
            $"'{PeerNet4} via inet6 …' in stackbgpd's kernel");
        output.WriteLine($"stackbgpd kernel: {k4.Trim()}");
        Assert.True(k4.Contains("via inet6 fd00::2", StringComparison.Ordinal) || k4.Contains($"via inet6 {llB}", StringComparison.Ordinal),
            $"the kernel route to {PeerNet4} goes via the peer's IPv6 address (fd00::2 or {llB}); seen {k4}");
        Poll.Until(() => stack.Paths(PeerNet6), p => p.Count > 0, Converge, $"stackbgpd path for {PeerNet6}");

        if (peer is FrrInstance frr)
        {
            JsonNode fn = frr.BgpNeighbors()["fd00::1"]!;
            Assert.True(fn["neighborCapabilities"]?["extendedNexthop"]?.GetValue<string>() == "advertisedAndReceived",
                $"FRR: extended next hop advertised and received; seen {fn["neighborCapabilities"]?.ToJsonString()}");

            // stackbgpd's IPv4 route in FRR: IPv6 next hop; FRR's kernel installs it via inet6
            JsonArray f4 = Poll.Until(() => frr.Paths(StackNet4), p => p.Count > 0, Converge, $"FRR path for {StackNet4}");
            output.WriteLine($"FRR {StackNet4}: {f4.ToJsonString()}");
            Assert.True(f4.ToJsonString().Contains("fd00::1", StringComparison.Ordinal), $"FRR's {StackNet4} has next hop fd00::1; seen {f4.ToJsonString()}");
            string fk4 = Poll.Until(() => b.Ip("route", "show", StackNet4).Stdout, r => r.Contains("via inet6 ", StringComparison.Ordinal), Converge,
                $"'{StackNet4} via inet6 …' in FRR's kernel");
            output.WriteLine($"FRR kernel: {fk4.Trim()}");

            // stackbgpd's IPv6 route in FRR: global and link-local next hops (RFC 2545), FRR's kernel uses the link-local one
            AssertGlobalAndLinkLocal(frr, StackNet6, "fd00::1", llA);
            AssertGlobalAndLinkLocal(frr, StackNet4, "fd00::1", llA);
            Poll.Until(() => b.Ip("-6", "route", "show", StackNet6).Stdout, r => r.Contains($"via {llA}", StringComparison.Ordinal), Converge,
                $"'{StackNet6} via {llA}' in FRR's kernel (FRR installs the link-local next hop)");
        }
        else if (peer is BirdInstance bird)
        {
            string r4 = Poll.Until(() => bird.Route(StackNet4), r => r.Length > 0, Converge, $"BIRD route {StackNet4}");
            output.WriteLine($"BIRD {StackNet4}:\n{r4}");
            Assert.True(r4.Contains("BGP.next_hop: fd00::1", StringComparison.Ordinal), $"BIRD's {StackNet4} has next hop fd00::1 (RFC 8950); seen {r4}");
            string r6 = Poll.Until(() => bird.Route(StackNet6), r => r.Length > 0, Converge, $"BIRD route {StackNet6}");
            output.WriteLine($"BIRD {StackNet6}:\n{r6}");
            Assert.True(r6.Contains($"BGP.next_hop: fd00::1 {llA}", StringComparison.Ordinal), $"BIRD's {StackNet6} has next hops fd00::1 and {llA}; seen {r6}");
        }
    }

    [Fact]
    public void Ipv4_session_carries_ipv6_routes_with_frr()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth link = Veth.Numbered(a, b, "10.0.0.1/24", "10.0.0.2/24", "fd00::1/64", "fd00::2/64");
        string llA = link.LinkLocalA();
        PeeringTests.WaitIpv6Ready(a, b);
        using StackBgpInstance stack = StackBgpInstance.Start(a, Stack("10.0.0.2", extendedNextHop: false), output.WriteLine);
        using FrrInstance frr = FrrInstance.Start(b, Frr("10.0.0.1", extendedNextHop: false), log: output.WriteLine);
        output.WriteLine($"IPv4 session carrying IPv6 with {frr.Version}");
        PeeringTests.WaitStack(stack, "10.0.0.2");
        frr.WaitEstablished("10.0.0.1", Converge);

        // both families over the one session, both ways
        Poll.Until(() => stack.Paths(PeerNet4), p => p.Count > 0, Converge, $"stackbgpd path for {PeerNet4}");
        JsonArray s6 = Poll.Until(() => stack.Paths(PeerNet6), p => p.Count > 0, Converge, $"stackbgpd path for {PeerNet6} over the IPv4 session");
        output.WriteLine($"stackbgpd {PeerNet6}: {s6.ToJsonString()}");
        Assert.True(s6.ToJsonString().Contains("fd00::2", StringComparison.Ordinal), $"{PeerNet6} with FRR's global IPv6 next hop fd00::2; seen {s6.ToJsonString()}");
        Poll.Until(() => a.Ip("-6", "route", "show", PeerNet6).Stdout, r => r.Contains("via ", StringComparison.Ordinal) && r.Contains("dev ", StringComparison.Ordinal), Converge,
            $"{PeerNet6} in stackbgpd's kernel");

        Poll.Until(() => frr.Paths(StackNet4), p => p.Count > 0, Converge, $"FRR path for {StackNet4}");
        AssertGlobalAndLinkLocal(frr, StackNet6, "fd00::1", llA);
        Poll.Until(() => b.Ip("-6", "route", "show", StackNet6).Stdout, r => r.Contains("via ", StringComparison.Ordinal), Converge,
            $"{StackNet6} in FRR's kernel");
    }

    /// <summary>FRR's path for <paramref name="prefix"/> carries the global and the link-local next hop.</summary>
    private void AssertGlobalAndLinkLocal(FrrInstance frr, string prefix, string global, string linkLocal)
    {
        string afi = prefix.Contains(':', StringComparison.Ordinal) ? "ipv6" : "ipv4";
        JsonNode detail = Poll.Until(() => frr.VtyshJson($"show bgp {afi} unicast {prefix} json"), d => d["paths"] is JsonArray { Count: > 0 }, Converge,
            $"FRR detail for {prefix}");
        JsonArray hops = detail["paths"]![0]!["nexthops"]!.AsArray();
        output.WriteLine($"FRR next hops of {prefix}: {hops.ToJsonString()}");
        Assert.True(hops.Any(h => h?["ip"]?.GetValue<string>() == global && h?["scope"]?.GetValue<string>() == "global"),
            $"FRR's {prefix} has the global next hop {global}; seen {hops.ToJsonString()}");
        Assert.True(hops.Any(h => h?["ip"]?.GetValue<string>() == linkLocal && h?["scope"]?.GetValue<string>() == "link-local"),
            $"FRR's {prefix} has the link-local next hop {linkLocal}; seen {hops.ToJsonString()}");
    }
}
