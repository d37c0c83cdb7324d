using System.Globalization;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 5 point 6 and the issue 3 demo: the same /32 on `lo` of two nodes (redistribute connected +
/// only-host-prefixes, the RHOSP controller config of lab/configs) gives one ECMP kernel route at the leaf;
/// a Pacemaker-like move moves it; and StackBgp as the leaf programs / trims the ECMP route itself.
/// Node R: uplink 100.64.R.2/30, leaf side 100.64.R.1/30, loopback 99.99.R.1/32.
/// </summary>
public sealed class EcmpTests(ITestOutputHelper output)
{
    private const string Vip = "192.1.1.1";
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);
    private static readonly string[] Both = ["100.64.1.2", "100.64.2.2"];

    private static string Node(int r) => string.Create(CultureInfo.InvariantCulture, $"100.64.{r}.2");

    /// <summary>Leaf namespace plus two node namespaces wired as the rack of issue 7 (two nodes on one leaf).</summary>
    private static (NetNs Leaf, NetNs[] Nodes, Veth[] Links) Topology(List<IDisposable> owned)
    {
        NetNs leaf = NetNs.Create();
        owned.Add(leaf);
        var nodes = new NetNs[3];
        var links = new Veth[3];
        for (int r = 1; r <= 2; r++)
        {
            string rs = r.ToString(CultureInfo.InvariantCulture);
            nodes[r] = NetNs.Create();
            owned.Add(nodes[r]);
            links[r] = Veth.Create(leaf, nodes[r], "down" + rs, "enp2s0");
            leaf.AddAddress(links[r].IfA, $"100.64.{rs}.1/30");
            nodes[r].AddAddress(links[r].IfB, $"100.64.{rs}.2/30");
            nodes[r].AddLoopbackAddress($"99.99.{rs}.1/32");
        }

        return (leaf, nodes, links);
    }

    private static string FrrLeafConfig() => """
        frr defaults datacenter
        hostname leaf
        log stdout informational
        router bgp 64998
          bgp router-id 172.30.1.2
          no bgp default ipv4-unicast
          no bgp ebgp-requires-policy
          bgp bestpath as-path multipath-relax
          neighbor nodes peer-group
          neighbor nodes remote-as external
          neighbor nodes bfd
          neighbor nodes bfd profile lab
          neighbor nodes ttl-security hops 1
          neighbor nodes timers connect 1
          neighbor 100.64.1.2 peer-group nodes
          neighbor 100.64.2.2 peer-group nodes
          address-family ipv4 unicast
            neighbor nodes activate
            maximum-paths 8
          exit-address-family
        bfd
          profile lab
            detect-multiplier 3
            transmit-interval 300
            receive-interval 300
        !

        """;

    [Fact]
    public void Frr_leaf_gets_one_ecmp_route_from_two_stackbgpd_nodes_and_follows_a_vip_move()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs leaf, NetNs[] nodes, _) = Topology(owned);
            var frr = FrrInstance.Start(leaf, FrrLeafConfig(), bfd: true, log: output.WriteLine);
            owned.Add(frr);
            var stacks = new StackBgpInstance[3];
            for (int r = 1; r <= 2; r++)
            {
                stacks[r] = StackBgpInstance.Start(nodes[r], ScenarioLab.Render("controller", r, 300, 3), output.WriteLine);
                owned.Add(stacks[r]);
            }

            frr.WaitEstablished(Node(1), Converge);
            frr.WaitEstablished(Node(2), Converge);
            nodes[1].AddLoopbackAddress(Vip + "/32");
            nodes[2].AddLoopbackAddress(Vip + "/32");
            Poll.Until(() => KernelNextHops.Are(leaf, Vip, Both), Converge,
                () => $"leaf kernel route to {Vip} via both nodes; seen: {KernelNextHops.Text(leaf, Vip)}\nFRR: {frr.Paths(Vip + "/32").ToJsonString()}");
            output.WriteLine("leaf: " + KernelNextHops.Text(leaf, Vip));

            // only host prefixes leave the nodes: the /30 uplink is connected on the node but not announced
            Assert.Empty(frr.Paths("100.64.1.0/30"));
            Assert.Single(frr.Paths("99.99.1.1/32"));

            // Pacemaker-like move: the VIP leaves node 1 → only node 2; then it moves back
            nodes[1].RemoveLoopbackAddress(Vip + "/32");
            Poll.Until(() => KernelNextHops.Are(leaf, Vip, Node(2)), Converge,
                () => $"leaf route to {Vip} via node 2 only; seen: {KernelNextHops.Text(leaf, Vip)}");
            nodes[1].AddLoopbackAddress(Vip + "/32");
            nodes[2].RemoveLoopbackAddress(Vip + "/32");
            Poll.Until(() => KernelNextHops.Are(leaf, Vip, Node(1)), Converge,
                () => $"leaf route to {Vip} via node 1 only after the move; seen: {KernelNextHops.Text(leaf, Vip)}");
        }
        finally
        {
            for (int i = owned.Count - 1; i >= 0; i--)
            {
                owned[i].Dispose();
            }
        }
    }

    [Fact]
    public void Stackbgp_leaf_installs_ecmp_from_two_frr_nodes_and_removes_exactly_one_next_hop()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs leaf, NetNs[] nodes, Veth[] links) = Topology(owned);
            for (int r = 1; r <= 2; r++)
            {
                owned.Add(FrrInstance.Start(nodes[r], FrrNodeConfig(r), log: output.WriteLine));
            }

            var stack = StackBgpInstance.Start(leaf, """
                hostname leaf
                router bgp 64998
                 bgp router-id 172.30.1.2
                 no bgp default ipv4-unicast
                 no bgp ebgp-requires-policy
                 bgp bestpath as-path multipath-relax
                 neighbor 100.64.1.2 remote-as external
                 neighbor 100.64.1.2 timers connect 1
                 neighbor 100.64.2.2 remote-as external
                 neighbor 100.64.2.2 timers connect 1
                 address-family ipv4 unicast
                  neighbor 100.64.1.2 activate
                  neighbor 100.64.2.2 activate
                  maximum-paths 2
                 exit-address-family
                exit

                """, output.WriteLine);
            owned.Add(stack);
            PeeringTests.WaitStack(stack, Node(1));
            PeeringTests.WaitStack(stack, Node(2));
            nodes[1].AddLoopbackAddress(Vip + "/32");
            nodes[2].AddLoopbackAddress(Vip + "/32");
            Poll.Until(() => KernelNextHops.Are(leaf, Vip, Both), Converge,
                () => $"StackBgp leaf: one kernel route to {Vip} with both next hops; seen: '{KernelNextHops.Text(leaf, Vip)}'\nStackBgp: {stack.Paths(Vip + "/32").ToJsonString()}");
            output.WriteLine("leaf: " + KernelNextHops.Text(leaf, Vip));

            // node 2 withdraws (the VIP leaves its lo): exactly its next hop goes
            nodes[2].RemoveLoopbackAddress(Vip + "/32");
            Poll.Until(() => KernelNextHops.Are(leaf, Vip, Node(1)), Converge,
                () => $"StackBgp leaf route to {Vip} via node 1 only after node 2's withdraw; seen: '{KernelNextHops.Text(leaf, Vip)}'");
            nodes[2].AddLoopbackAddress(Vip + "/32");
            Poll.Until(() => KernelNextHops.Are(leaf, Vip, Both), Converge,
                () => $"both next hops back; seen: '{KernelNextHops.Text(leaf, Vip)}'");

            // node 2's link goes down at the leaf: exactly its next hop goes (no dead next hop left behind)
            links[2].SetUp(sideA: true, up: false);
            Poll.Until(() => KernelNextHops.Are(leaf, Vip, Node(1)), Converge,
                () => $"StackBgp leaf route to {Vip} via node 1 only after node 2's link went down; seen: '{KernelNextHops.Text(leaf, Vip)}'\nStackBgp: {stack.Paths(Vip + "/32").ToJsonString()}");
            links[2].SetUp(sideA: true, up: true);
            Poll.Until(() => KernelNextHops.Are(leaf, Vip, Both), Converge,
                () => $"both next hops back after the link came up; seen: '{KernelNextHops.Text(leaf, Vip)}'; stackbgpd neighbor {Node(2)}: {stack.NeighborState(Node(2))}; stackbgpd paths: {stack.Paths(Vip + "/32").ToJsonString()}; 'show ip route json': {stack.Cli("show ip route json")}\nstackbgpd log (end):\n{Tail(stack.Output, 30)}");
        }
        finally
        {
            for (int i = owned.Count - 1; i >= 0; i--)
            {
                owned[i].Dispose();
            }
        }
    }

    private static string Tail(string text, int lines)
    {
        string[] all = text.Split('\n');
        return string.Join('\n', all[Math.Max(0, all.Length - lines)..]);
    }

    private static string FrrNodeConfig(int r) => string.Create(CultureInfo.InvariantCulture, $"""
        frr defaults datacenter
        hostname node-{r}
        log stdout informational
        router bgp 64999
         bgp router-id 99.99.{r}.1
         no bgp default ipv4-unicast
         no bgp ebgp-requires-policy
         neighbor 100.64.{r}.1 remote-as external
         neighbor 100.64.{r}.1 timers connect 1
         address-family ipv4 unicast
          redistribute connected
          neighbor 100.64.{r}.1 activate
          neighbor 100.64.{r}.1 prefix-list only-host-prefixes out
         exit-address-family
        exit
        ip prefix-list only-host-prefixes permit 0.0.0.0/0 ge 32

        """);
}
