using System.Globalization;
using System.Text.Json.Nodes;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 9 point 6: dynamic neighbors. A stackbgpd leaf with <c>bgp listen range 10.0.0.0/24 peer-group rack</c> and
/// <c>bgp listen limit 2</c> on a rack bridge accepts FRR and GoBGP nodes it has no neighbor line for, shows them
/// in <c>show bgp summary</c> as dynamic, passes routes between them (eBGP, and iBGP as a route reflector), refuses
/// the third node with a log line, and keeps a reconnecting node as the same neighbor; with a password on the
/// peer-group, the key covers the whole range on the listening sockets (TCP-MD5 for nodes not yet known).
/// </summary>
public sealed class DynamicNeighborTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);
    private const string LeafNet = "203.0.113.0/24";

    private static string Node(int n) => string.Create(CultureInfo.InvariantCulture, $"10.0.0.{10 + n}");

    private static string NodeNet(int n) => string.Create(CultureInfo.InvariantCulture, $"198.51.100.{10 + n}/32");

    private const string Secret = "rack-md5-key";

    private static string Leaf(bool ibgp, bool md5) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            hostname leaf
            router bgp 64999
             bgp router-id 10.0.0.1
             no bgp ebgp-requires-policy
             no bgp default ipv4-unicast
             no bgp network import-check
             neighbor rack peer-group
             neighbor rack remote-as {(ibgp ? "internal" : "external")}
            {(md5 ? $" neighbor rack password {Secret}" : "!")}
             bgp listen range 10.0.0.0/24 peer-group rack
             bgp listen limit 2
             address-family ipv4 unicast
              network {LeafNet}
              neighbor rack activate
            {(ibgp ? "  neighbor rack route-reflector-client" : "!")}
             exit-address-family
            """) + "\n";

    private static int NodeAs(bool ibgp, int n) => ibgp ? 64999 : 65010 + n;

    private static string Frr(bool ibgp, int n, bool md5) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            frr defaults traditional
            hostname node{n}
            log stdout informational
            router bgp {NodeAs(ibgp, n)}
             bgp router-id {Node(n)}
             no bgp ebgp-requires-policy
             no bgp default ipv4-unicast
             no bgp network import-check
             neighbor 10.0.0.1 remote-as 64999
             neighbor 10.0.0.1 timers connect 2
            {(md5 ? $" neighbor 10.0.0.1 password {Secret}" : "!")}
             address-family ipv4 unicast
              network {NodeNet(n)}
              neighbor 10.0.0.1 activate
             exit-address-family
            !
            """) + "\n";

    private static string GoBgp(bool ibgp, int n, bool md5) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            [global.config]
              as = {NodeAs(ibgp, n)}
              router-id = "{Node(n)}"
              port = 179
            [[neighbors]]
              [neighbors.config]
                neighbor-address = "10.0.0.1"
                peer-as = 64999
            {(md5 ? $"    auth-password = \"{Secret}\"" : "")}
              [neighbors.timers.config]
                connect-retry = 2
              [[neighbors.afi-safis]]
                [neighbors.afi-safis.config]
                  afi-safi-name = "ipv4-unicast"
            """) + "\n";

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Listen_range_accepts_rack_nodes_up_to_the_limit(bool ibgp, bool md5)
    {
        var owned = new List<IDisposable>();
        try
        {
            NetNs leaf = NetNs.Create();
            owned.Add(leaf);
            leaf.Ip("link", "add", "br0", "type", "bridge");
            leaf.Ip("link", "set", "br0", "up");
            leaf.AddAddress("br0", "10.0.0.1/24");
            var nodes = new NetNs[4];
            for (int n = 1; n <= 3; n++)
            {
                nodes[n] = NetNs.Create();
                owned.Add(nodes[n]);
                Veth v = Veth.Create(leaf, nodes[n]);
                leaf.Ip("link", "set", v.IfA, "master", "br0");
                nodes[n].AddAddress(v.IfB, Node(n) + "/24");
            }

            var stack = StackBgpInstance.Start(leaf, Leaf(ibgp, md5), output.WriteLine);
            owned.Add(stack);
            var frr1 = FrrInstance.Start(nodes[1], Frr(ibgp, 1, md5), log: output.WriteLine);
            owned.Add(frr1);
            var gobgp2 = GoBgpInstance.Start(nodes[2], GoBgp(ibgp, 2, md5), log: output.WriteLine);
            owned.Add(gobgp2);
            gobgp2.AddRoute(NodeNet(2), "nexthop", Node(2));
            output.WriteLine($"dynamic neighbors ({(ibgp ? "iBGP, route reflector" : "eBGP")}{(md5 ? ", TCP-MD5 on the peer-group" : "")}): {frr1.Version}, {gobgp2.Version}");

            // both nodes become dynamic neighbors of the leaf, visible in show bgp summary
            PeeringTests.WaitStack(stack, Node(1));
            PeeringTests.WaitStack(stack, Node(2));
            JsonNode summary = stack.CliJson("show bgp summary json")["ipv4Unicast"]!;
            output.WriteLine($"stackbgpd summary: {summary.ToJsonString()}");
            Assert.True(summary["dynamicPeers"]?.GetValue<int>() == 2, $"show bgp summary counts 2 dynamic peers; seen {summary.ToJsonString()}");
            foreach (int n in new[] { 1, 2 })
            {
                Assert.True(summary["peers"]?[Node(n)]?["dynamicPeer"]?.GetValue<bool>() == true, $"{Node(n)} shown as a dynamic peer; seen {summary.ToJsonString()}");
            }

            Assert.Contains($"dynamic neighbor {Node(1)} accepted (listen range 10.0.0.0/24, peer-group rack)", stack.Output, StringComparison.Ordinal);
            if (md5)
            {
                Assert.Equal(0, PeeringSecurityTests.Counter(leaf, "TcpExtTCPMD5NotFound"));
                Assert.False(stack.Output.Contains(Secret, StringComparison.Ordinal), "the MD5 secret must never appear in stackbgpd's log");
            }

            // routes flow through the leaf between the nodes (reflected over iBGP)
            Poll.Until(() => stack.Paths(NodeNet(1)).Count > 0 && stack.Paths(NodeNet(2)).Count > 0, Converge,
                () => $"the leaf to learn {NodeNet(1)} and {NodeNet(2)}; seen {stack.CliJson("show bgp ipv4 unicast json").ToJsonString()}");
            Poll.Until(() => frr1.Paths(NodeNet(2)), p => p.Count > 0, Converge, $"FRR node 1 to learn node 2's {NodeNet(2)} through the leaf");
            Poll.Until(() => frr1.Paths(LeafNet), p => p.Count > 0, Converge, $"FRR node 1 to learn the leaf's {LeafNet}");
            Poll.Until(() => gobgp2.Paths(NodeNet(1)), p => p.Count > 0, Converge, $"GoBGP node 2 to learn node 1's {NodeNet(1)} through the leaf");

            // a third node is over bgp listen limit 2: refused, with a log line saying so
            var frr3 = FrrInstance.Start(nodes[3], Frr(ibgp, 3, md5), log: output.WriteLine);
            owned.Add(frr3);
            Poll.Until(() => stack.Output.Contains($"dynamic neighbor refused: bgp listen limit 2 reached", StringComparison.Ordinal), Converge,
                () => $"stackbgpd to log that {Node(3)} is refused by bgp listen limit 2; log:\n{stack.Output}");
            string refused = stack.Output.Split('\n').First(l => l.Contains("bgp listen limit 2 reached", StringComparison.Ordinal));
            output.WriteLine("stackbgpd: " + refused);
            Assert.Contains(Node(3), refused, StringComparison.Ordinal);
            Assert.NotEqual("Established", frr3.NeighborState("10.0.0.1"));
            Assert.Equal("absent", stack.NeighborState(Node(3)));

            // node 1 restarts: its new connection reaches the same dynamic neighbor (no new one, the limit still holds)
            frr1.Dispose();
            frr1 = FrrInstance.Start(nodes[1], Frr(ibgp, 1, md5), log: output.WriteLine);
            owned.Add(frr1);
            frr1.WaitEstablished("10.0.0.1", Converge);
            PeeringTests.WaitStack(stack, Node(1));
            summary = stack.CliJson("show bgp summary json")["ipv4Unicast"]!;
            Assert.True(summary["dynamicPeers"]?.GetValue<int>() == 2, $"still 2 dynamic peers after node 1's reconnect; seen {summary.ToJsonString()}");
            Assert.Equal("absent", stack.NeighborState(Node(3)));
            Poll.Until(() => frr1.Paths(NodeNet(2)), p => p.Count > 0, Converge, $"FRR node 1 to learn {NodeNet(2)} again after its restart");
        }
        finally
        {
            for (int i = owned.Count - 1; i >= 0; i--)
            {
                owned[i].Dispose();
            }
        }
    }
}
