using System.Globalization;
using System.Text.Json.Nodes;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 9 point 1: BGP unnumbered as RHOSP renders it (<c>neighbor eth0 interface peer-group uplink</c>) over a
/// veth pair that has no IPv4 (and no global IPv6) address. The peer's link-local address comes from its
/// router advertisements, IPv4 routes carry IPv6 next hops (RFC 8950) both ways, and both kernels hold the
/// IPv4 routes as <c>via inet6 fe80::… dev IF</c>. Both sides run GTSM (<c>ttl-security hops 1</c>) as the RHOSP template does.
/// </summary>
public sealed class UnnumberedTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);

    private const string NodeLoopback4 = "99.99.1.2";
    private const string NodeLoopback6 = "f00d::12";
    private const string LeafLoopback4 = "99.99.0.1";
    private const string LeafNet4 = "203.0.113.0/24";
    private const string LeafNet6 = "2001:db8:99::/48";

    /// <summary>The RHOSP node template (RHOSP.md) for stackbgpd, with the uplink on <paramref name="ifName"/>.</summary>
    internal static string NodeConfig(int asn, string remoteAs, string routerId, string ifName, string? password = null) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            hostname cmp-1-0
            router bgp {asn}
              bgp router-id {routerId}
              bgp log-neighbor-changes
              no bgp default ipv4-unicast
              no bgp ebgp-requires-policy
              neighbor uplink peer-group
              neighbor uplink remote-as {remoteAs}
              neighbor uplink timers connect 2
              neighbor {ifName} interface peer-group uplink
              neighbor uplink ttl-security hops 1
            {(password is null ? "!" : $"  neighbor uplink password {password}")}
              address-family ipv4 unicast
                redistribute connected
                neighbor uplink activate
                neighbor uplink prefix-list only-host-prefixes out
              exit-address-family
              address-family ipv6 unicast
                redistribute connected
                neighbor uplink activate
                neighbor uplink prefix-list only-host-prefixes out
              exit-address-family
            ip prefix-list only-host-prefixes permit 0.0.0.0/0 ge 32
            ipv6 prefix-list only-host-prefixes permit ::/0 ge 128
            """) + "\n";

    /// <summary>An FRR leaf with one unnumbered neighbor (the interface form with remote-as on the same line).</summary>
    private static string FrrLeaf(int asn, string remoteAs, string ifName, string? password) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            frr defaults traditional
            hostname leaf
            log stdout informational
            router bgp {asn}
              bgp router-id {LeafLoopback4}
              no bgp ebgp-requires-policy
              no bgp default ipv4-unicast
              no bgp network import-check
              neighbor {ifName} interface remote-as {remoteAs}
              neighbor {ifName} timers connect 2
              neighbor {ifName} ttl-security hops 1
            {(password is null ? "!" : $"  neighbor {ifName} password {password}")}
              address-family ipv4 unicast
                network {LeafNet4}
                network {LeafLoopback4}/32
                neighbor {ifName} activate
              exit-address-family
              address-family ipv6 unicast
                network {LeafNet6}
                neighbor {ifName} activate
              exit-address-family
            !
            """) + "\n";

    [Theory]
    [InlineData("internal", null)]
    [InlineData("external", null)]
    [InlineData("internal", "rhosp-md5")]
    public void Frr_and_stackbgpd_peer_over_link_local_and_install_ipv4_routes_via_inet6(string remoteAs, string? password)
    {
        bool ibgp = remoteAs == "internal";
        using NetNs node = NetNs.Create();
        using NetNs leaf = NetNs.Create();
        Veth link = Veth.LinkLocalOnly(node, leaf, "eth0", "swp1");
        string nodeLl = link.LinkLocalA();
        string leafLl = link.LinkLocalB();
        node.AddLoopbackAddress(NodeLoopback4 + "/32");
        node.AddLoopbackAddress(NodeLoopback6 + "/128");
        AssertNoIpv4(node, "eth0");
        AssertNoIpv4(leaf, "swp1");

        using StackBgpInstance stack = StackBgpInstance.Start(node, NodeConfig(64999, remoteAs, NodeLoopback4, "eth0", password), output.WriteLine);
        using FrrInstance frr = FrrInstance.Start(leaf, FrrLeaf(ibgp ? 64999 : 65000, remoteAs, "swp1", password), log: output.WriteLine);
        output.WriteLine($"unnumbered {remoteAs}{(password is null ? "" : ", TCP-MD5")}: {frr.Version} ↔ {stack.Version}; node eth0 {nodeLl}, leaf swp1 {leafLl}");

        PeeringTests.WaitStack(stack, "eth0");
        frr.WaitEstablished("swp1", Converge);

        // the session runs over the link-local addresses (scope = the interface)
        JsonNode n = stack.CliJson("show bgp neighbors eth0 json")["eth0"]!;
        string nText = n.ToJsonString();
        output.WriteLine($"stackbgpd neighbor eth0: {nText}");
        Assert.True(nText.Contains(leafLl, StringComparison.OrdinalIgnoreCase), $"stackbgpd's neighbor eth0 to show the leaf's link-local {leafLl}; seen {nText}");
        JsonNode fn = frr.BgpNeighbors()["swp1"]!;
        string fnText = fn.ToJsonString();
        Assert.True(fnText.Contains(nodeLl, StringComparison.OrdinalIgnoreCase), $"FRR's neighbor swp1 to show the node's link-local {nodeLl}; seen {fnText}");
        Assert.True(fn["neighborCapabilities"]?["extendedNexthop"]?.GetValue<string>() == "advertisedAndReceived",
            $"extended next hop (RFC 8950) advertised and received on swp1; seen {fn["neighborCapabilities"]?.ToJsonString()}");

        // leaf → node: IPv4 routes with the leaf's link-local as next hop, in the BGP table and the kernel
        foreach (string prefix in new[] { LeafNet4, LeafLoopback4 + "/32" })
        {
            JsonArray paths = Poll.Until(() => stack.Paths(prefix), p => p.Count > 0, Converge, $"stackbgpd path for {prefix}");
            Assert.True(paths.ToJsonString().Contains(leafLl, StringComparison.OrdinalIgnoreCase),
                $"the IPv4 route {prefix} in stackbgpd to have next hop {leafLl} (RFC 8950); seen {paths.ToJsonString()}");
            string dst = prefix;
            Poll.Until(() => node.Ip("route", "show", dst).Stdout, r => r.Contains($"via inet6 {leafLl} dev eth0", StringComparison.Ordinal), Converge,
                $"'{prefix} via inet6 {leafLl} dev eth0' in {node.Name}'s kernel (ip -n {node.Name} route)");
        }

        Poll.Until(() => stack.Paths(LeafNet6), p => p.Count > 0, Converge, $"stackbgpd path for {LeafNet6}");
        Poll.Until(() => node.Ip("-6", "route", "show", LeafNet6).Stdout, r => r.Contains($"via {leafLl} dev eth0", StringComparison.Ordinal), Converge,
            $"'{LeafNet6} via {leafLl} dev eth0' in {node.Name}'s kernel");

        // node → leaf: the node loopback (redistribute connected + only-host-prefixes), IPv4 over IPv6 next hop
        JsonArray fp = Poll.Until(() => frr.Paths(NodeLoopback4 + "/32"), p => p.Count > 0, Converge, $"FRR path for {NodeLoopback4}/32");
        output.WriteLine($"FRR {NodeLoopback4}/32: {fp.ToJsonString()}");
        Assert.True(fp.ToJsonString().Contains(nodeLl, StringComparison.OrdinalIgnoreCase),
            $"FRR's route {NodeLoopback4}/32 to have next hop {nodeLl}; seen {fp.ToJsonString()}");
        Poll.Until(() => leaf.Ip("route", "show", NodeLoopback4 + "/32").Stdout, r => r.Contains($"via inet6 {nodeLl} dev swp1", StringComparison.Ordinal), Converge,
            $"'{NodeLoopback4} via inet6 {nodeLl} dev swp1' in FRR's kernel ({leaf.Name})");
        Poll.Until(() => frr.Paths(NodeLoopback6 + "/128"), p => p.Count > 0, Converge, $"FRR path for {NodeLoopback6}/128");
        Poll.Until(() => leaf.Ip("-6", "route", "show", NodeLoopback6 + "/128").Stdout, r => r.Contains($"via {nodeLl} dev swp1", StringComparison.Ordinal), Converge,
            $"'{NodeLoopback6} via {nodeLl} dev swp1' in FRR's kernel ({leaf.Name})");

        if (password is not null)
        {
            // the link-local session really is signed: no unsigned segment was accepted, and the key is in no log
            Assert.Equal(0, PeeringSecurityTests.Counter(node, "TcpExtTCPMD5NotFound"));
            Assert.False(stack.Output.Contains(password, StringComparison.Ordinal), "the MD5 secret must never appear in stackbgpd's log");
        }

        // withdrawal follows: the node loses its loopback, FRR and its kernel drop it
        node.RemoveLoopbackAddress(NodeLoopback4 + "/32");
        Poll.Until(() => frr.Paths(NodeLoopback4 + "/32").Count == 0 && leaf.Ip("route", "show", NodeLoopback4 + "/32").Stdout.Trim().Length == 0, Converge,
            () => $"FRR and its kernel to drop {NodeLoopback4}/32 after it left the node's lo; seen {frr.Paths(NodeLoopback4 + "/32").ToJsonString()}");
    }

    /// <summary>
    /// The uplink flaps (the leaf's port goes down and up, hold time 180 s): both sides drop the session with the
    /// link, and it comes back with the link, routes reinstalled via the link-local next hop — well before any
    /// hold timer could have explained it.
    /// </summary>
    [Fact]
    public void Unnumbered_session_follows_a_link_flap()
    {
        using NetNs node = NetNs.Create();
        using NetNs leaf = NetNs.Create();
        Veth link = Veth.LinkLocalOnly(node, leaf, "eth0", "swp1");
        string leafLl = link.LinkLocalB();
        node.AddLoopbackAddress(NodeLoopback4 + "/32");
        using StackBgpInstance stack = StackBgpInstance.Start(node, NodeConfig(64999, "external", NodeLoopback4, "eth0"), output.WriteLine);
        using FrrInstance frr = FrrInstance.Start(leaf, FrrLeaf(65000, "external", "swp1", null), log: output.WriteLine);
        PeeringTests.WaitStack(stack, "eth0");
        frr.WaitEstablished("swp1", Converge);
        string route = LeafLoopback4 + "/32";
        Poll.Until(() => node.Ip("route", "show", route).Stdout, r => r.Contains($"via inet6 {leafLl} dev eth0", StringComparison.Ordinal), Converge,
            $"'{route} via inet6 {leafLl} dev eth0' before the flap");
        int established = stack.CliJson("show bgp neighbors eth0 json")["eth0"]!["connectionsEstablished"]!.GetValue<int>();

        link.SetUp(sideA: false, up: false);
        TimeSpan prompt = TimeSpan.FromSeconds(20);
        Poll.Until(() => stack.NeighborState("eth0") != "Established" && frr.NeighborState("swp1") != "Established", prompt,
            () => $"both sides to drop the session when the link goes down (hold time 180 s); stackbgpd {stack.NeighborState("eth0")}, FRR {frr.NeighborState("swp1")}");
        Poll.Until(() => stack.Paths(route).Count == 0, prompt, () => $"stackbgpd to drop {route} learned over the dead link; seen {stack.Paths(route).ToJsonString()}");

        link.SetUp(sideA: false, up: true);
        Poll.Until(() => stack.NeighborState("eth0") == "Established" && frr.NeighborState("swp1") == "Established", Converge,
            () => $"the session back after the link came up; stackbgpd {stack.NeighborState("eth0")}, FRR {frr.NeighborState("swp1")}\nstackbgpd log:\n{stack.Output}");
        Assert.True(stack.CliJson("show bgp neighbors eth0 json")["eth0"]!["connectionsEstablished"]!.GetValue<int>() > established, "a new session, not the old one");
        Poll.Until(() => node.Ip("route", "show", route).Stdout, r => r.Contains($"via inet6 {leafLl} dev eth0", StringComparison.Ordinal), Converge,
            $"'{route} via inet6 {leafLl} dev eth0' again after the flap");
        Poll.Until(() => leaf.Ip("route", "show", NodeLoopback4 + "/32").Stdout, r => r.Contains("via inet6 fe80", StringComparison.Ordinal), Converge,
            $"FRR's kernel route to {NodeLoopback4} again after the flap");
    }

    /// <summary>
    /// A reload that removes the interface neighbor ends all of it: the session (FRR sees it go), the router
    /// advertisements and the ICMPv6 socket that listens for the leaf's (FRR stops as well when its neighbor is
    /// removed). Putting it back starts it again.
    /// </summary>
    [Fact]
    public void A_reload_removing_the_interface_neighbor_stops_its_session_and_router_advertisements()
    {
        using NetNs node = NetNs.Create();
        using NetNs leaf = NetNs.Create();
        Veth.LinkLocalOnly(node, leaf, "eth0", "swp1");
        node.AddLoopbackAddress(NodeLoopback4 + "/32");
        string config = NodeConfig(64999, "external", NodeLoopback4, "eth0");
        using StackBgpInstance stack = StackBgpInstance.Start(node, config, output.WriteLine);
        using FrrInstance frr = FrrInstance.Start(leaf, FrrLeaf(65000, "external", "swp1", null), log: output.WriteLine);
        PeeringTests.WaitStack(stack, "eth0");
        frr.WaitEstablished("swp1", Converge);
        Assert.True(Icmp6RawSockets(stack) > 0, "stackbgpd listens for router advertisements on an ICMPv6 socket while the neighbor is configured");

        stack.Reload(config.Replace("  neighbor eth0 interface peer-group uplink\n", "", StringComparison.Ordinal));
        TimeSpan prompt = TimeSpan.FromSeconds(20);
        Poll.Until(() => stack.NeighborState("eth0") == "absent" && frr.NeighborState("swp1") != "Established", prompt,
            () => $"the session to end when the neighbor is removed; stackbgpd {stack.NeighborState("eth0")}, FRR {frr.NeighborState("swp1")}\n{stack.Output}");
        Poll.Until(() => Icmp6RawSockets(stack) == 0, prompt,
            () => $"stackbgpd to close its router-advertisement socket on eth0 after the reload; /proc/{stack.Process.Pid}/net/raw6:\n{File.ReadAllText($"/proc/{stack.Process.Pid}/net/raw6")}");

        stack.Reload(config);
        PeeringTests.WaitStack(stack, "eth0");
        frr.WaitEstablished("swp1", Converge);
    }

    /// <summary>Raw ICMPv6 sockets (protocol 58) of the daemon's network namespace: only its router advertisements use one.</summary>
    private static int Icmp6RawSockets(StackBgpInstance stack) =>
        File.ReadAllLines($"/proc/{stack.Process.Pid}/net/raw6").Skip(1)
            .Count(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var local, ..] && local.EndsWith(":003A", StringComparison.OrdinalIgnoreCase));

    /// <summary>stackbgpd starts before its uplink exists (a NIC that appears later): the neighbor waits for it and then comes up.</summary>
    [Fact]
    public void Unnumbered_neighbor_starts_when_its_interface_appears()
    {
        using NetNs node = NetNs.Create();
        using NetNs leaf = NetNs.Create();
        node.AddLoopbackAddress(NodeLoopback4 + "/32");
        using StackBgpInstance stack = StackBgpInstance.Start(node, NodeConfig(64999, "external", NodeLoopback4, "eth0"), output.WriteLine);
        Poll.Until(() => stack.Output.Contains("interface eth0 does not exist (yet)", StringComparison.Ordinal), Converge,
            () => $"stackbgpd to say it waits for eth0; log:\n{stack.Output}");

        Veth link = Veth.LinkLocalOnly(node, leaf, "eth0", "swp1");
        string leafLl = link.LinkLocalB();
        using FrrInstance frr = FrrInstance.Start(leaf, FrrLeaf(65000, "external", "swp1", null), log: output.WriteLine);
        PeeringTests.WaitStack(stack, "eth0");
        frr.WaitEstablished("swp1", Converge);
        Poll.Until(() => node.Ip("route", "show", LeafLoopback4 + "/32").Stdout, r => r.Contains($"via inet6 {leafLl} dev eth0", StringComparison.Ordinal), Converge,
            $"'{LeafLoopback4} via inet6 {leafLl} dev eth0' once the interface appeared");
    }

    /// <summary>
    /// The leaf's link-local address changes (a replaced switch): the old session dies (hold time 9 s here), and
    /// stackbgpd moves the neighbor to the address the leaf now advertises from; routes go via the new address.
    /// </summary>
    [Fact]
    public void Unnumbered_neighbor_follows_the_leaf_to_a_new_link_local_address()
    {
        using NetNs node = NetNs.Create();
        using NetNs leaf = NetNs.Create();
        Veth link = Veth.LinkLocalOnly(node, leaf, "eth0", "swp1");
        string oldLl = link.LinkLocalB();
        node.AddLoopbackAddress(NodeLoopback4 + "/32");
        string config = NodeConfig(64999, "external", NodeLoopback4, "eth0")
            .Replace("  neighbor uplink timers connect 2\n", "  neighbor uplink timers connect 2\n  neighbor uplink timers 3 9\n", StringComparison.Ordinal);
        using StackBgpInstance stack = StackBgpInstance.Start(node, config, output.WriteLine);
        using FrrInstance frr = FrrInstance.Start(leaf, FrrLeaf(65000, "external", "swp1", null)
            .Replace("  neighbor swp1 timers connect 2\n", "  neighbor swp1 timers connect 2\n  neighbor swp1 timers 3 9\n", StringComparison.Ordinal), log: output.WriteLine);
        PeeringTests.WaitStack(stack, "eth0");
        Poll.Until(() => node.Ip("route", "show", LeafLoopback4 + "/32").Stdout, r => r.Contains($"via inet6 {oldLl} dev eth0", StringComparison.Ordinal), Converge,
            $"'{LeafLoopback4} via inet6 {oldLl} dev eth0' before the change");

        const string newLl = "fe80::99";
        leaf.Ip("-6", "addr", "flush", "dev", "swp1", "scope", "link");
        leaf.Ip("-6", "addr", "add", newLl + "/64", "dev", "swp1", "nodad");
        Poll.Until(() => stack.Output.Contains($"a router with link-local address {newLl}", StringComparison.Ordinal), Converge,
            () => $"stackbgpd to move neighbor eth0 to {newLl}; state {stack.NeighborState("eth0")}; log:\n{stack.Output}");
        PeeringTests.WaitStack(stack, "eth0");
        frr.WaitEstablished("swp1", Converge);
        string n = stack.CliJson("show bgp neighbors eth0 json").ToJsonString();
        Assert.True(n.Contains(newLl, StringComparison.Ordinal), $"stackbgpd's neighbor eth0 now at {newLl}; seen {n}");
        Poll.Until(() => node.Ip("route", "show", LeafLoopback4 + "/32").Stdout, r => r.Contains($"via inet6 {newLl} dev eth0", StringComparison.Ordinal), Converge,
            $"'{LeafLoopback4} via inet6 {newLl} dev eth0' after the change");
    }

    [Fact]
    public void Two_stackbgpd_nodes_peer_unnumbered_and_install_ipv4_routes_via_inet6()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth link = Veth.LinkLocalOnly(a, b, "eth0", "eth1");
        string llA = link.LinkLocalA();
        string llB = link.LinkLocalB();
        a.AddLoopbackAddress("99.99.1.1/32");
        b.AddLoopbackAddress("99.99.2.1/32");
        b.AddLoopbackAddress("f00d::21/128");

        using StackBgpInstance sa = StackBgpInstance.Start(a, NodeConfig(64999, "external", "99.99.1.1", "eth0"), output.WriteLine);
        // the second node uses the direct form: neighbor eth1 interface remote-as external (no peer-group)
        string direct = NodeConfig(65000, "external", "99.99.2.1", "eth1")
            .Replace("  neighbor eth1 interface peer-group uplink\n", "  neighbor eth1 interface remote-as external\n", StringComparison.Ordinal)
            .Replace("neighbor uplink activate", "neighbor eth1 activate", StringComparison.Ordinal)
            .Replace("neighbor uplink prefix-list", "neighbor eth1 prefix-list", StringComparison.Ordinal)
            .Replace("neighbor uplink ttl-security", "neighbor eth1 ttl-security", StringComparison.Ordinal);
        Assert.Contains("neighbor eth1 interface remote-as external", direct, StringComparison.Ordinal);
        using StackBgpInstance sb = StackBgpInstance.Start(b, direct, output.WriteLine);
        PeeringTests.WaitStack(sa, "eth0");
        PeeringTests.WaitStack(sb, "eth1");

        Poll.Until(() => a.Ip("route", "show", "99.99.2.1/32").Stdout, r => r.Contains($"via inet6 {llB} dev eth0", StringComparison.Ordinal), Converge,
            $"'99.99.2.1 via inet6 {llB} dev eth0' in {a.Name}'s kernel");
        Poll.Until(() => b.Ip("route", "show", "99.99.1.1/32").Stdout, r => r.Contains($"via inet6 {llA} dev eth1", StringComparison.Ordinal), Converge,
            $"'99.99.1.1 via inet6 {llA} dev eth1' in {b.Name}'s kernel");
        Poll.Until(() => a.Ip("-6", "route", "show", "f00d::21/128").Stdout, r => r.Contains($"via {llB} dev eth0", StringComparison.Ordinal), Converge,
            $"'f00d::21 via {llB} dev eth0' in {a.Name}'s kernel");

        // traffic flows over the unnumbered link: the loopbacks reach each other (IPv4 over an IPv6 next hop)
        Poll.Until(() => a.Exec("ping", "-c", "1", "-W", "1", "-I", "99.99.1.1", "99.99.2.1").Succeeded, Converge,
            () => $"ping 99.99.2.1 from 99.99.1.1 across the unnumbered link; routes:\n{a.Routes()}\n{b.Routes()}");
    }

    private static void AssertNoIpv4(NetNs ns, string dev)
    {
        string addrs = ns.Ip("-4", "addr", "show", "dev", dev).Stdout;
        Assert.False(addrs.Contains("inet ", StringComparison.Ordinal), $"{dev} in {ns.Name} must have no IPv4 address; seen {addrs}");
    }
}
