using System.Text.Json.Nodes;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 6 point 3 with stackbgpd as the leaf (its own BFD engine decides): a node whose speaker
/// hangs (SIGSTOP: its TCP session stays open, only BFD can tell) is torn down with Cease/BFD Down,
/// its routes leave the leaf's RIB and kernel, and the session stays down while BFD is down. The
/// node is FRR (bgpd + bfdd) or stackbgpd. Hold time 180 on both sides, so only BFD explains a
/// removal within seconds. How fast: bench/bfd-lab/failover.sh (bench/README.md, BFD section).
/// </summary>
public sealed class BfdLeafTests(ITestOutputHelper output)
{
    private const string Vip = "192.1.1.1";
    private const string Node = "100.64.1.2";
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan WellBelowHold = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData("frr")]
    [InlineData("stackbgp")]
    public void A_hung_node_is_removed_from_the_stackbgpd_leaf_by_bfd(string nodeDaemon)
    {
        using NetNs leaf = NetNs.Create();
        using NetNs node = NetNs.Create();
        Veth link = Veth.Create(leaf, node, "down0", "enp2s0");
        leaf.AddAddress(link.IfA, "100.64.1.1/30");
        node.AddAddress(link.IfB, "100.64.1.2/30");
        node.AddLoopbackAddress("99.99.1.1/32");

        const string Timers = "  neighbor nodes timers connect 1\n";
        string leafConf = ScenarioLab.Render("leaf", 1, 50, 3).Replace(Timers, Timers + "  neighbor nodes timers 60 180\n", StringComparison.Ordinal);
        Assert.Contains("neighbor nodes timers 60 180", leafConf, StringComparison.Ordinal);
        const string Uplink = "  neighbor uplink timers connect 1\n";
        string nodeConf = ScenarioLab.Render("controller", 1, 50, 3).Replace(Uplink, Uplink + "  neighbor uplink timers 60 180\n", StringComparison.Ordinal);
        Assert.Contains("neighbor uplink timers 60 180", nodeConf, StringComparison.Ordinal);

        using StackBgpInstance stack = StackBgpInstance.Start(leaf, leafConf, output.WriteLine);
        using BgpPeerBase speaker = nodeDaemon == "frr"
            ? FrrInstance.Start(node, nodeConf, bfd: true, log: output.WriteLine)
            : StackBgpInstance.Start(node, nodeConf, output.WriteLine);

        stack.WaitEstablished(Node, Converge);
        Poll.Until(() => LeafBfdState(stack), s => s == "Up", Converge, $"stackbgpd leaf: peerBfdInfo.status Up for {Node} (3x50 ms)");
        node.AddLoopbackAddress(Vip + "/32");
        Poll.Until(() => KernelNextHops.Are(leaf, Vip, Node), Converge, () => $"stackbgpd leaf: kernel route to {Vip} via {Node}; seen '{KernelNextHops.Text(leaf, Vip)}'");
        Assert.NotEmpty(stack.Paths(Vip + "/32"));

        speaker.SignalAll(Shell.SigStop);
        try
        {
            Poll.Until(() => KernelNextHops.Of(leaf, Vip).Count == 0, WellBelowHold,
                () => $"stackbgpd leaf to remove {Vip} via the hung {nodeDaemon} node from the kernel by BFD (hold time 180); seen '{KernelNextHops.Text(leaf, Vip)}', BFD {LeafBfdState(stack)}, BGP {stack.NeighborState(Node)}");
            Assert.Empty(stack.Paths(Vip + "/32"));
            JsonNode? n = stack.CliJson("show bgp neighbors json")[Node];
            Assert.NotEqual("Established", n?["bgpState"]?.GetValue<string>());
            Assert.Contains("BFD Down", n?["lastResetDueTo"]?.GetValue<string>() ?? "", StringComparison.Ordinal);
            Assert.Equal("Down", LeafBfdState(stack));
            Assert.Contains("Held down: BFD session is down", stack.Cli($"show bgp neighbors {Node}"), StringComparison.Ordinal);
        }
        finally
        {
            speaker.SignalAll(Shell.SigCont);
        }

        // resumed: BFD Up releases the hold, BGP comes back and so does the route
        Poll.Until(() => KernelNextHops.Are(leaf, Vip, Node), Converge, () => $"stackbgpd leaf: route back after SIGCONT; seen '{KernelNextHops.Text(leaf, Vip)}', BGP {stack.NeighborState(Node)}");
    }

    /// <summary>
    /// Only FRR's bfdd hangs on the node; its bgpd lives on and reconnects after the leaf's
    /// Cease/BFD Down. The leaf keeps the session down while BFD is down (issue 6 point 3), then
    /// lets it come back when bfdd resumes.
    /// </summary>
    [Fact]
    public void The_stackbgpd_leaf_keeps_bgp_down_while_bfd_is_down_though_the_peer_reconnects()
    {
        using NetNs leaf = NetNs.Create();
        using NetNs node = NetNs.Create();
        Veth link = Veth.Create(leaf, node, "down0", "enp2s0");
        leaf.AddAddress(link.IfA, "100.64.1.1/30");
        node.AddAddress(link.IfB, "100.64.1.2/30");
        node.AddLoopbackAddress("99.99.1.1/32");
        node.AddLoopbackAddress(Vip + "/32");

        using StackBgpInstance stack = StackBgpInstance.Start(leaf, ScenarioLab.Render("leaf", 1, 50, 3), output.WriteLine);
        using FrrInstance frr = FrrInstance.Start(node, ScenarioLab.Render("controller", 1, 50, 3), bfd: true, log: output.WriteLine);
        stack.WaitEstablished(Node, Converge);
        Poll.Until(() => LeafBfdState(stack), s => s == "Up", Converge, $"stackbgpd leaf: BFD Up for {Node}");
        Poll.Until(() => KernelNextHops.Are(leaf, Vip, Node), Converge, () => $"stackbgpd leaf: kernel route to {Vip} via {Node}; seen '{KernelNextHops.Text(leaf, Vip)}'");
        int established = EstablishedCount(stack);

        LabProcess bfdd = frr.Processes.Single(p => p.Name == "bfdd");
        bfdd.Signal(Shell.SigStop);
        try
        {
            Poll.Until(() => KernelNextHops.Of(leaf, Vip).Count == 0, WellBelowHold,
                () => $"stackbgpd leaf to remove {Vip} when the node's bfdd hangs; seen '{KernelNextHops.Text(leaf, Vip)}', BFD {LeafBfdState(stack)}");
            // FRR's bgpd got Cease/BFD Down and connects again (timers connect 1): let it try for
            // a while; every attempt must be refused while the leaf's BFD session is down. (No
            // vtysh on the node meanwhile: it waits for every daemon, and bfdd is stopped.)
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(4);
            while (DateTime.UtcNow < until)
            {
                Assert.NotEqual("Established", stack.NeighborState(Node));
                Assert.Equal(established, EstablishedCount(stack));
                Assert.Equal("Down", LeafBfdState(stack));
            }
            Assert.Contains("BFD Down", stack.CliJson("show bgp neighbors json")[Node]?["lastResetDueTo"]?.GetValue<string>() ?? "", StringComparison.Ordinal);
        }
        finally
        {
            bfdd.Signal(Shell.SigCont);
        }

        Poll.Until(() => EstablishedCount(stack), n => n > established, Converge, $"stackbgpd leaf: {Node} Established again once BFD is Up");
        Poll.Until(() => KernelNextHops.Are(leaf, Vip, Node), Converge, () => $"stackbgpd leaf: route back once BFD is Up; seen '{KernelNextHops.Text(leaf, Vip)}'");
    }

    private static int EstablishedCount(StackBgpInstance stack) =>
        stack.CliJson("show bgp neighbors json")[Node]?["connectionsEstablished"]?.GetValue<int>() ?? 0;

    private static string? LeafBfdState(StackBgpInstance stack) =>
        stack.CliJson("show bgp neighbors json")[Node]?["peerBfdInfo"]?["status"]?.GetValue<string>();
}
