using System.Globalization;
using System.Text.Json.Nodes;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 9 point 5: graceful restart (RFC 4724) with FRR 8.4 on the other side, in both roles, with real
/// crashes (SIGKILL). A leaf (FRR, AS 65000, 10.0.0.1, announces 10.99.0.1/32 and 10.99.0.2/32) and a node
/// (stackbgpd, AS 65010, 10.0.0.2, announces 10.200.1.0/24 and 10.200.2.0/24) on one veth. While one side
/// restarts, the other side's kernel route through it is polled continuously and must never be missing.
/// </summary>
public sealed class GracefulRestartTests(ITestOutputHelper output)
{
    private const string Leaf = "10.0.0.1";
    private const string Node = "10.0.0.2";
    private const string NodeNet1 = "10.200.1.0/24";
    private const string NodeNet2 = "10.200.2.0/24";
    private const string LeafNet1 = "10.99.0.1/32";
    private const string LeafNet2 = "10.99.0.2/32";
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(90);

    private static string StackConfig(bool gracefulRestart, bool withNet2 = true, string extra = "", int holdTime = 180) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            hostname node
            router bgp 65010
             bgp router-id {Node}
             no bgp ebgp-requires-policy
             no bgp network import-check
            {(gracefulRestart ? " bgp graceful-restart\n bgp graceful-restart select-defer-time 30\n" : "")}{(extra.Length > 0 ? extra : gracefulRestart ? " bgp graceful-restart restart-time 120\n" : "")} neighbor {Leaf} remote-as 65000
             neighbor {Leaf} timers connect 1
             neighbor {Leaf} timers {holdTime / 3} {holdTime}
             address-family ipv4 unicast
              network {NodeNet1}
            {(withNet2 ? $"  network {NodeNet2}\n" : "")}  neighbor {Leaf} activate
             exit-address-family
            exit
            """) + "\n";

    private static string FrrConfig(bool gracefulRestart, bool withNet2 = true, string extra = "") =>
        string.Create(CultureInfo.InvariantCulture, $"""
            frr defaults traditional
            hostname leaf
            log stdout informational
            router bgp 65000
             bgp router-id {Leaf}
             no bgp ebgp-requires-policy
             no bgp network import-check
            {(gracefulRestart ? " bgp graceful-restart\n bgp graceful-restart preserve-fw-state\n bgp graceful-restart select-defer-time 30\n" : "")}{extra} neighbor {Node} remote-as 65010
             neighbor {Node} timers connect 1
             address-family ipv4 unicast
              network {LeafNet1}
            {(withNet2 ? $"  network {LeafNet2}\n" : "")} exit-address-family
            !
            """) + "\n";

    private static bool Via(NetNs ns, string prefix, string nextHop) =>
        ns.Ip("route", "show", prefix).Stdout.Contains("via " + nextHop, StringComparison.Ordinal);

    private static bool FrrStale(FrrInstance frr, string prefix) =>
        frr.Paths(prefix).Any(p => p?["stale"]?.GetValue<bool>() == true);

    private static bool StackStale(StackBgpInstance s, string prefix) =>
        s.Paths(prefix).Any(p => p?["stale"]?.GetValue<bool>() == true);

    private static string Tail(string log)
    {
        string[] lines = log.Split('\n');
        return string.Join('\n', lines[Math.Max(0, lines.Length - 40)..]);
    }

    private (NetNs Leaf, NetNs Node) Topology(List<IDisposable> owned)
    {
        NetNs leaf = NetNs.Create();
        owned.Add(leaf);
        NetNs node = NetNs.Create();
        owned.Add(node);
        Veth.Numbered(leaf, node, Leaf + "/30", Node + "/30");
        output.WriteLine($"leaf {leaf.Name}, node {node.Name}");
        return (leaf, node);
    }

    private static void Cleanup(List<IDisposable> owned)
    {
        for (int i = owned.Count - 1; i >= 0; i--)
        {
            owned[i].Dispose();
        }
    }

    [Fact]
    public void Frr_helper_keeps_stackbgpd_routes_and_its_kernel_route_through_a_kill_9_then_sweeps_after_end_of_rib()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs leafNs, NetNs nodeNs) = Topology(owned);
            var frr = FrrInstance.Start(leafNs, FrrConfig(gracefulRestart: false), log: output.WriteLine);
            owned.Add(frr);
            var stack = StackBgpInstance.Start(nodeNs, StackConfig(gracefulRestart: true), output.WriteLine);
            owned.Add(stack);
            frr.WaitEstablished(Node, Converge);
            Poll.Until(() => Via(leafNs, NodeNet1, Node) && Via(leafNs, NodeNet2, Node), Converge,
                () => $"leaf kernel routes to {NodeNet1} and {NodeNet2} via {Node}; seen:\n{leafNs.Routes()}");
            Poll.Until(() => Via(nodeNs, LeafNet1, Leaf), Converge, () => $"node kernel route to {LeafNet1}; seen:\n{nodeNs.Routes()}");
            string gr = frr.BgpNeighbors()[Node]?["gracefulRestartInfo"]?.ToJsonString() ?? "(none)";
            output.WriteLine("FRR's GR view of stackbgpd: " + gr);

            using var watch = RouteWatch.Start(leafNs, NodeNet1, Node);
            stack.Kill();
            Poll.Until(() => FrrStale(frr, NodeNet1) && FrrStale(frr, NodeNet2), TimeSpan.FromSeconds(30),
                () => $"FRR to keep stackbgpd's routes marked stale after its SIGKILL; seen {frr.BgpRoutes().ToJsonString()}");
            Assert.True(Via(leafNs, NodeNet1, Node), "FRR's kernel route stays while stackbgpd is down:\n" + leafNs.Routes());

            // restart without 10.200.2.0/24: the helper sweeps it after stackbgpd's End-of-RIB
            stack.Restart(StackConfig(gracefulRestart: true, withNet2: false));
            frr.WaitEstablished(Node, Converge);
            Poll.Until(() => frr.Paths(NodeNet2).Count == 0, Converge,
                () => $"FRR to sweep {NodeNet2} after stackbgpd's End-of-RIB; seen {frr.Paths(NodeNet2).ToJsonString()}\nstackbgpd:\n{stack.Output}");
            Poll.Until(() => frr.Paths(NodeNet1).Count == 1 && !FrrStale(frr, NodeNet1), Converge,
                () => $"FRR's path to {NodeNet1} refreshed (not stale); seen {frr.Paths(NodeNet1).ToJsonString()}");
            Poll.Until(() => !leafNs.Routes().Contains("10.200.2.0/24", StringComparison.Ordinal), TimeSpan.FromSeconds(10),
                () => $"leaf kernel route to {NodeNet2} removed; seen:\n{leafNs.Routes()}");
            watch.StopAndAssertNeverMissing($"the leaf's kernel route to {NodeNet1}", output.WriteLine);
        }
        finally
        {
            Cleanup(owned);
        }
    }

    /// <summary>FRR's messageStats.notificationsRecv for stackbgpd.</summary>
    private static long FrrNotificationsReceived(FrrInstance frr) =>
        frr.BgpNeighbors()[Node]?["messageStats"]?["notificationsRecv"]?.GetValue<long>() ?? 0;

    [Fact]
    public void A_sigterm_of_stackbgpd_with_graceful_restart_is_a_planned_restart_the_leaf_keeps_forwarding_then_sweeps_after_end_of_rib()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs leafNs, NetNs nodeNs) = Topology(owned);
            // FRR as helper only (its default): it keeps a restarting peer's routes
            var frr = FrrInstance.Start(leafNs, FrrConfig(gracefulRestart: false), log: output.WriteLine);
            owned.Add(frr);
            var stack = StackBgpInstance.Start(nodeNs, StackConfig(gracefulRestart: true), output.WriteLine);
            owned.Add(stack);
            frr.WaitEstablished(Node, Converge);
            PeeringTests.WaitStack(stack, Leaf);
            Poll.Until(() => Via(leafNs, NodeNet1, Node) && Via(leafNs, NodeNet2, Node), Converge,
                () => $"leaf kernel routes to {NodeNet1} and {NodeNet2} via {Node}; seen:\n{leafNs.Routes()}");
            Poll.Until(() => Via(nodeNs, LeafNet1, Leaf), Converge, () => $"node kernel route to {LeafNet1}; seen:\n{nodeNs.Routes()}");
            long notificationsBefore = FrrNotificationsReceived(frr);

            using var leafWatch = RouteWatch.Start(leafNs, NodeNet1, Node);
            using var nodeWatch = RouteWatch.Start(nodeNs, LeafNet1, Leaf);
            TimeSpan exit = stack.Terminate(TimeSpan.FromSeconds(10));
            output.WriteLine($"stackbgpd exited {exit.TotalMilliseconds:F0} ms after SIGTERM");
            Assert.True(exit < TimeSpan.FromSeconds(5), $"stackbgpd exited on its own after SIGTERM, not by the SIGKILL fallback ({exit})");
            Assert.False(stack.Process.Output.Contains("Hard Reset", StringComparison.Ordinal), "no Hard Reset sent on SIGTERM:\n" + Tail(stack.Process.Output));
            Assert.True(stack.Process.Output.Contains($"graceful restart: neighbor {Leaf} keeps our routes for restart-time 120 s", StringComparison.Ordinal),
                "stackbgpd to log the graceful-restart path for the leaf on SIGTERM:\n" + Tail(stack.Process.Output));
            Poll.Until(() => FrrStale(frr, NodeNet1) && FrrStale(frr, NodeNet2), TimeSpan.FromSeconds(30),
                () => $"FRR to keep stackbgpd's routes marked stale after its SIGTERM; seen {frr.BgpRoutes().ToJsonString()}\nstackbgpd:\n{Tail(stack.Process.Output)}");
            Assert.Equal(notificationsBefore, FrrNotificationsReceived(frr));
            Assert.True(Via(leafNs, NodeNet1, Node), "FRR's kernel route stays while stackbgpd is down:\n" + leafNs.Routes());
            Assert.True(Via(nodeNs, LeafNet1, Leaf), "stackbgpd's own kernel route stays after its SIGTERM:\n" + nodeNs.Routes() + "\nstackbgpd:\n" + Tail(stack.Process.Output));

            // start again without 10.200.2.0/24: a restarting speaker (kernel routes found), the helper sweeps it after End-of-RIB
            stack.Restart(StackConfig(gracefulRestart: true, withNet2: false));
            frr.WaitEstablished(Node, Converge);
            Poll.Until(() => frr.Paths(NodeNet2).Count == 0, Converge,
                () => $"FRR to sweep {NodeNet2} after stackbgpd's End-of-RIB; seen {frr.Paths(NodeNet2).ToJsonString()}\nstackbgpd:\n{stack.Output}");
            Poll.Until(() => frr.Paths(NodeNet1).Count == 1 && !FrrStale(frr, NodeNet1), Converge,
                () => $"FRR's path to {NodeNet1} refreshed (not stale); seen {frr.Paths(NodeNet1).ToJsonString()}");
            Poll.Until(() => !leafNs.Routes().Contains("10.200.2.0/24", StringComparison.Ordinal), TimeSpan.FromSeconds(10),
                () => $"leaf kernel route to {NodeNet2} removed; seen:\n{leafNs.Routes()}");
            Assert.Contains("restarting with forwarding state kept", stack.Output, StringComparison.Ordinal);
            Poll.Until(() => stack.Output.Contains("R bit cleared", StringComparison.Ordinal), Converge,
                () => $"stackbgpd converged after its restart; log:\n{Tail(stack.Output)}");
            leafWatch.StopAndAssertNeverMissing($"the leaf's kernel route to {NodeNet1}", output.WriteLine);
            nodeWatch.StopAndAssertNeverMissing($"the node's kernel route to {LeafNet1}", output.WriteLine, minSamples: 0);
        }
        finally
        {
            Cleanup(owned);
        }
    }

    [Fact]
    public void With_fib_keep_on_exit_a_sigint_leaves_the_learned_routes_in_the_kernel_and_the_leaf_still_withdraws()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs leafNs, NetNs nodeNs) = Topology(owned);
            var frr = FrrInstance.Start(leafNs, FrrConfig(gracefulRestart: false), log: output.WriteLine);
            owned.Add(frr);
            var stack = StackBgpInstance.Start(nodeNs, "fib keep-on-exit\n" + StackConfig(gracefulRestart: false), output.WriteLine);
            owned.Add(stack);
            frr.WaitEstablished(Node, Converge);
            Poll.Until(() => Via(nodeNs, LeafNet1, Leaf), Converge, () => $"node kernel route to {LeafNet1}; seen:\n{nodeNs.Routes()}");

            stack.Interrupt(TimeSpan.FromSeconds(10));
            Assert.True(Via(nodeNs, LeafNet1, Leaf), "with fib keep-on-exit the route learned from the leaf stays in the node's kernel after SIGINT:\n"
                + nodeNs.Routes() + "\nstackbgpd:\n" + Tail(stack.Process.Output));
            // the peer is still told (Cease), so it withdraws ours at once
            Poll.Until(() => frr.Paths(NodeNet1).Count == 0, TimeSpan.FromSeconds(20),
                () => $"FRR to withdraw {NodeNet1} after stackbgpd's SIGINT; seen {frr.Paths(NodeNet1).ToJsonString()}");
        }
        finally
        {
            Cleanup(owned);
        }
    }

    [Fact]
    public void A_sigint_of_stackbgpd_with_graceful_restart_is_a_stop_for_good_and_the_leaf_withdraws_at_once()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs leafNs, NetNs nodeNs) = Topology(owned);
            var frr = FrrInstance.Start(leafNs, FrrConfig(gracefulRestart: false), log: output.WriteLine);
            owned.Add(frr);
            var stack = StackBgpInstance.Start(nodeNs, StackConfig(gracefulRestart: true), output.WriteLine);
            owned.Add(stack);
            frr.WaitEstablished(Node, Converge);
            Poll.Until(() => Via(leafNs, NodeNet1, Node), Converge, () => $"leaf kernel route to {NodeNet1}; seen:\n{leafNs.Routes()}");
            Poll.Until(() => Via(nodeNs, LeafNet1, Leaf), Converge, () => $"node kernel route to {LeafNet1}; seen:\n{nodeNs.Routes()}");
            long notificationsBefore = FrrNotificationsReceived(frr);

            stack.Interrupt(TimeSpan.FromSeconds(10));
            Assert.False(Via(nodeNs, LeafNet1, Leaf), "the routes learned from the leaf are removed from the node's kernel on a stop for good:\n" + nodeNs.Routes());
            // well within stackbgpd's restart time (120 s): not kept stale
            Poll.Until(() => frr.Paths(NodeNet1).Count == 0 && !Via(leafNs, NodeNet1, Node), TimeSpan.FromSeconds(20),
                () => $"FRR to withdraw {NodeNet1} at once after stackbgpd's SIGINT; seen {frr.Paths(NodeNet1).ToJsonString()}\n{leafNs.Routes()}\nstackbgpd:\n{Tail(stack.Process.Output)}");
            Assert.True(FrrNotificationsReceived(frr) > notificationsBefore, "FRR received stackbgpd's Cease NOTIFICATION");
            Assert.Contains("stackbgpd stopping (SIGINT)", stack.Process.Output, StringComparison.Ordinal);
        }
        finally
        {
            Cleanup(owned);
        }
    }

    [Fact]
    public void Stackbgpd_restarting_keeps_its_own_kernel_routes_without_a_gap_and_sweeps_the_stale_one_after_convergence()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs leafNs, NetNs nodeNs) = Topology(owned);
            var frr = FrrInstance.Start(leafNs, FrrConfig(gracefulRestart: false), log: output.WriteLine);
            owned.Add(frr);
            var stack = StackBgpInstance.Start(nodeNs, StackConfig(gracefulRestart: true), output.WriteLine);
            owned.Add(stack);
            frr.WaitEstablished(Node, Converge);
            Poll.Until(() => Via(nodeNs, LeafNet1, Leaf) && Via(nodeNs, LeafNet2, Leaf), Converge,
                () => $"node kernel routes to {LeafNet1} and {LeafNet2}; seen:\n{nodeNs.Routes()}");

            using var watch = RouteWatch.Start(nodeNs, LeafNet1, Leaf);
            stack.Kill();
            // while stackbgpd is down the leaf stops announcing 10.99.0.2/32: its kernel route on the node is stale
            frr.Vtysh("configure terminal", "router bgp 65000", "address-family ipv4 unicast", $"no network {LeafNet2}");
            Assert.True(Via(nodeNs, LeafNet1, Leaf) && Via(nodeNs, LeafNet2, Leaf), "kernel routes stay after the SIGKILL:\n" + nodeNs.Routes());

            stack.Restart();
            PeeringTests.WaitStack(stack, Leaf);
            JsonNode? gr = stack.CliJson("show bgp neighbors json")[Leaf]?["gracefulRestartInfo"];
            output.WriteLine("stackbgpd after the restart: " + gr?.ToJsonString());
            string frrView = frr.BgpNeighbors()[Node]?["gracefulRestartInfo"]?.ToJsonString() ?? "(none)";
            output.WriteLine("FRR's GR view of the restarted stackbgpd: " + frrView);
            // converged (End-of-RIB from the leaf): the kernel route nobody announces any more is swept, long
            // before the FIB's own grace time (select-defer-time 30 + restart-time 120)
            Poll.Until(() => !Via(nodeNs, LeafNet2, Leaf), TimeSpan.FromSeconds(60),
                () => $"node kernel route to {LeafNet2} swept after convergence; seen:\n{nodeNs.Routes()}\nstackbgpd:\n{stack.Output}");
            Assert.True(Via(nodeNs, LeafNet1, Leaf), "the route still announced stays:\n" + nodeNs.Routes());
            Assert.Contains("R bit cleared", stack.Output, StringComparison.Ordinal);
            Assert.Contains("restarting with forwarding state kept", stack.Output, StringComparison.Ordinal);
            watch.StopAndAssertNeverMissing($"the node's kernel route to {LeafNet1}", output.WriteLine);
        }
        finally
        {
            Cleanup(owned);
        }
    }

    [Fact]
    public void Stackbgpd_helper_keeps_frr_routes_stale_through_a_kill_9_of_bgpd_and_sweeps_after_frr_end_of_rib()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs leafNs, NetNs nodeNs) = Topology(owned);
            var frr = FrrInstance.Start(leafNs, FrrConfig(gracefulRestart: true), log: output.WriteLine);
            owned.Add(frr);
            // stackbgpd only as helper (the default without 'bgp graceful-restart')
            var stack = StackBgpInstance.Start(nodeNs, StackConfig(gracefulRestart: false), output.WriteLine);
            owned.Add(stack);
            PeeringTests.WaitStack(stack, Leaf);
            Poll.Until(() => Via(nodeNs, LeafNet1, Leaf) && Via(nodeNs, LeafNet2, Leaf), Converge,
                () => $"node kernel routes to {LeafNet1} and {LeafNet2}; seen:\n{nodeNs.Routes()}");

            using var watch = RouteWatch.Start(nodeNs, LeafNet1, Leaf);
            frr.KillDaemon("bgpd");
            Poll.Until(() => StackStale(stack, LeafNet1) && StackStale(stack, LeafNet2), TimeSpan.FromSeconds(30),
                () => $"stackbgpd to keep FRR's routes stale after bgpd's SIGKILL; seen {stack.CliJson("show bgp ipv4 unicast json").ToJsonString()}\n{Tail(stack.Output)}");
            string neighbors = stack.Cli($"show bgp neighbors {Leaf}");
            output.WriteLine(neighbors);
            Assert.Contains("Stale routes kept: 2", neighbors, StringComparison.Ordinal);
            Assert.True(Via(nodeNs, LeafNet2, Leaf), "stackbgpd's kernel route stays while FRR restarts:\n" + nodeNs.Routes());

            frr.RestartDaemon("bgpd", FrrConfig(gracefulRestart: true, withNet2: false));
            PeeringTests.WaitStack(stack, Leaf);
            Poll.Until(() => stack.Paths(LeafNet2).Count == 0, Converge,
                () => $"stackbgpd to sweep {LeafNet2} after FRR's End-of-RIB; seen {stack.Paths(LeafNet2).ToJsonString()}");
            Poll.Until(() => stack.Paths(LeafNet1).Count == 1 && !StackStale(stack, LeafNet1), Converge,
                () => $"stackbgpd's path to {LeafNet1} refreshed; seen {stack.Paths(LeafNet1).ToJsonString()}");
            Poll.Until(() => !Via(nodeNs, LeafNet2, Leaf), TimeSpan.FromSeconds(10),
                () => $"node kernel route to {LeafNet2} removed after the sweep; seen:\n{nodeNs.Routes()}");
            watch.StopAndAssertNeverMissing($"the node's kernel route to {LeafNet1}", output.WriteLine);
        }
        finally
        {
            Cleanup(owned);
        }
    }

    [Fact]
    public void Without_graceful_restart_a_kill_9_of_stackbgpd_withdraws_its_routes_at_the_leaf()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs leafNs, NetNs nodeNs) = Topology(owned);
            var frr = FrrInstance.Start(leafNs, FrrConfig(gracefulRestart: false), log: output.WriteLine);
            owned.Add(frr);
            var stack = StackBgpInstance.Start(nodeNs, StackConfig(gracefulRestart: false), output.WriteLine);
            owned.Add(stack);
            frr.WaitEstablished(Node, Converge);
            Poll.Until(() => Via(leafNs, NodeNet1, Node), Converge, () => $"leaf kernel route to {NodeNet1}; seen:\n{leafNs.Routes()}");

            stack.Kill();
            Poll.Until(() => frr.Paths(NodeNet1).Count == 0 && !Via(leafNs, NodeNet1, Node), TimeSpan.FromSeconds(30),
                () => $"FRR to withdraw {NodeNet1} at once (stackbgpd announced no graceful restart for IPv4); seen {frr.Paths(NodeNet1).ToJsonString()}\n{leafNs.Routes()}");
        }
        finally
        {
            Cleanup(owned);
        }
    }

    private const string LongLived = " bgp graceful-restart restart-time 3\n bgp long-lived-graceful-restart stale-time 300\n";

    private static bool FrrLlgrStale(FrrInstance frr, string prefix)
    {
        string json = frr.Vtysh($"show bgp ipv4 unicast {prefix} json");
        return json.Contains("llgr-stale", StringComparison.OrdinalIgnoreCase) || json.Contains("llgrStale", StringComparison.Ordinal);
    }

    private static bool StackLlgrStale(StackBgpInstance s, string prefix) =>
        s.Cli($"show bgp ipv4 unicast {prefix} json").Contains("llgr-stale", StringComparison.Ordinal);

    [Fact]
    public void Long_lived_stackbgpd_helper_marks_frr_routes_llgr_stale_after_the_restart_time_and_keeps_forwarding()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs leafNs, NetNs nodeNs) = Topology(owned);
            var frr = FrrInstance.Start(leafNs, FrrConfig(gracefulRestart: true, extra: LongLived), log: output.WriteLine);
            owned.Add(frr);
            var stack = StackBgpInstance.Start(nodeNs, StackConfig(gracefulRestart: false, extra: " bgp long-lived-graceful-restart stale-time 300\n"), output.WriteLine);
            owned.Add(stack);
            PeeringTests.WaitStack(stack, Leaf);
            Poll.Until(() => Via(nodeNs, LeafNet1, Leaf), Converge, () => $"node kernel route to {LeafNet1}; seen:\n{nodeNs.Routes()}");

            using var watch = RouteWatch.Start(nodeNs, LeafNet1, Leaf);
            frr.KillDaemon("bgpd");
            // restart time 3 s, then RFC 9494 long-lived stale: LLGR_STALE attached, route kept and still forwarding
            Poll.Until(() => StackLlgrStale(stack, LeafNet1), TimeSpan.FromSeconds(30),
                () => $"stackbgpd to mark {LeafNet1} llgr-stale after FRR's restart time; seen {stack.Cli($"show bgp ipv4 unicast {LeafNet1} json")}\n{Tail(stack.Output)}");
            Assert.Contains("long-lived", stack.Cli($"show bgp neighbors {Leaf}"), StringComparison.Ordinal);
            Assert.True(Via(nodeNs, LeafNet1, Leaf), "the long-lived stale route keeps forwarding:\n" + nodeNs.Routes());

            frr.RestartDaemon("bgpd");
            PeeringTests.WaitStack(stack, Leaf);
            Poll.Until(() => !StackLlgrStale(stack, LeafNet1) && !StackStale(stack, LeafNet1) && stack.Paths(LeafNet1).Count == 1, Converge,
                () => $"{LeafNet1} refreshed by the restarted FRR (no llgr-stale, not stale); seen {stack.Cli($"show bgp ipv4 unicast {LeafNet1} json")}");
            watch.StopAndAssertNeverMissing($"the node's kernel route to {LeafNet1}", output.WriteLine, minSamples: 0);
        }
        finally
        {
            Cleanup(owned);
        }
    }

    [Fact]
    public void Long_lived_frr_helper_marks_stackbgpd_routes_llgr_stale_after_its_restart_time()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs leafNs, NetNs nodeNs) = Topology(owned);
            var frr = FrrInstance.Start(leafNs, FrrConfig(gracefulRestart: false, extra: " bgp long-lived-graceful-restart stale-time 300\n"), log: output.WriteLine);
            owned.Add(frr);
            var stack = StackBgpInstance.Start(nodeNs, StackConfig(gracefulRestart: true, extra: LongLived), output.WriteLine);
            owned.Add(stack);
            frr.WaitEstablished(Node, Converge);
            Poll.Until(() => Via(leafNs, NodeNet1, Node), Converge, () => $"leaf kernel route to {NodeNet1}; seen:\n{leafNs.Routes()}");
            output.WriteLine("FRR's GR view of stackbgpd: " + (frr.BgpNeighbors()[Node]?["gracefulRestartInfo"]?.ToJsonString() ?? "(none)"));

            stack.Kill();
            Poll.Until(() => FrrLlgrStale(frr, NodeNet1), TimeSpan.FromSeconds(30),
                () => $"FRR to mark {NodeNet1} llgr-stale after stackbgpd's restart time (3 s); seen {frr.Vtysh($"show bgp ipv4 unicast {NodeNet1} json")}");
            Assert.True(Via(leafNs, NodeNet1, Node), "FRR keeps forwarding on the long-lived stale route:\n" + leafNs.Routes());
        }
        finally
        {
            Cleanup(owned);
        }
    }

    [Fact]
    public void Notification_gr_keeps_routes_stale_on_a_hold_timer_expiry_and_a_hard_reset_withdraws_them()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs leafNs, NetNs nodeNs) = Topology(owned);
            var frr = FrrInstance.Start(leafNs, FrrConfig(gracefulRestart: true), log: output.WriteLine);
            owned.Add(frr);
            var stack = StackBgpInstance.Start(nodeNs, StackConfig(gracefulRestart: true, holdTime: 9), output.WriteLine);
            owned.Add(stack);
            PeeringTests.WaitStack(stack, Leaf);
            Poll.Until(() => Via(nodeNs, LeafNet1, Leaf), Converge, () => $"node kernel route to {LeafNet1}; seen:\n{nodeNs.Routes()}");
            JsonNode gr = stack.CliJson("show bgp neighbors json")[Leaf]!["gracefulRestartInfo"]!;
            Assert.True(gr["nBit"]?.GetValue<bool>() == true, "FRR 8.4 and stackbgpd both announce the N bit (RFC 8538): " + gr.ToJsonString());

            // FRR's bgpd hangs (SIGSTOP): stackbgpd's hold timer expires and it sends a NOTIFICATION; with the N bit
            // that keeps the routes stale instead of withdrawing them
            LabProcess bgpd = frr.Processes.Last(p => p.Name == "bgpd");
            using var watch = RouteWatch.Start(nodeNs, LeafNet1, Leaf);
            bgpd.Signal(Shell.SigStop);
            try
            {
                // (FRR may also have reset the session once while loading its GR config: wait for the hold-timer drop itself)
                Poll.Until(() => stack.Cli($"show bgp neighbors {Leaf}").Contains("Last reset: hold timer expired", StringComparison.Ordinal), TimeSpan.FromSeconds(60),
                    () => $"stackbgpd's hold timer to expire while FRR's bgpd is stopped; seen:\n{stack.Cli($"show bgp neighbors {Leaf}")}\n{Tail(stack.Output)}\nFRR:\n{Tail(frr.Output)}");
                Assert.True(StackStale(stack, LeafNet1), $"{LeafNet1} kept stale after the hold-timer NOTIFICATION (N bit); seen {stack.Paths(LeafNet1).ToJsonString()}\n{Tail(stack.Output)}");
                Assert.Contains("routes kept as stale", stack.Output.Split('\n').Last(l => l.Contains($"neighbor {Leaf} Down", StringComparison.Ordinal)), StringComparison.Ordinal);
            }
            finally
            {
                bgpd.Signal(Shell.SigCont);
            }

            PeeringTests.WaitStack(stack, Leaf);
            Poll.Until(() => stack.Paths(LeafNet1).Count == 1 && !StackStale(stack, LeafNet1), Converge,
                () => $"{LeafNet1} refreshed after the session came back; seen {stack.Paths(LeafNet1).ToJsonString()}");
            watch.StopAndAssertNeverMissing($"the node's kernel route to {LeafNet1}", output.WriteLine, minSamples: 0);

            // `clear bgp` on FRR is an Administrative Reset, sent as a Hard Reset (bgp hard-administrative-reset, the
            // default): no graceful restart, stackbgpd withdraws the routes
            frr.Vtysh($"clear bgp {Node}");
            // (the session logs the NOTIFICATION a moment before the router logs the drop: wait for the drop's line)
            string LastDown() => stack.Output.Split('\n').LastOrDefault(l => l.Contains($"neighbor {Leaf} Down", StringComparison.Ordinal)) ?? "";
            Poll.Until(() => LastDown().Contains("Hard Reset", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
                () => $"stackbgpd to report the drop by FRR's Hard Reset; log:\n{Tail(stack.Output)}");
            Assert.Contains("routes withdrawn", LastDown(), StringComparison.Ordinal);
            PeeringTests.WaitStack(stack, Leaf);
        }
        finally
        {
            Cleanup(owned);
        }
    }

    /// <summary>Polls one kernel route of a namespace on its own thread and counts the samples where it was missing.</summary>
    private sealed class RouteWatch : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;
        private readonly NetNs _ns;
        private readonly string _prefix;
        private readonly string _nextHop;
        private int _samples;
        private int _misses;

        private RouteWatch(NetNs ns, string prefix, string nextHop)
        {
            _ns = ns;
            _prefix = prefix;
            _nextHop = nextHop;
            _thread = new Thread(Run) { IsBackground = true, Name = "route-watch" };
        }

        public int Samples => Volatile.Read(ref _samples);

        public int Misses => Volatile.Read(ref _misses);

        public string FirstMiss { get; private set; } = "";

        public static RouteWatch Start(NetNs ns, string prefix, string nextHop)
        {
            var w = new RouteWatch(ns, prefix, nextHop);
            w._thread.Start();
            return w;
        }

        public void Stop()
        {
            _stop.Cancel();
            _thread.Join();
        }

        /// <summary>Stops sampling and asserts the route was present in every sample (and sampled often enough to mean it).</summary>
        public void StopAndAssertNeverMissing(string what, Action<string> log, int minSamples = 10)
        {
            Stop();
            log($"{what}: {Samples} samples, {Misses} missing");
            Assert.True(Misses == 0, $"{what} was missing in {Misses} of {Samples} samples: {FirstMiss}");
            Assert.True(Samples > minSamples, $"{what} was sampled only {Samples} times");
        }

        public void Dispose()
        {
            if (!_stop.IsCancellationRequested)
            {
                Stop();
            }

            _stop.Dispose();
        }

        private void Run()
        {
            while (!_stop.IsCancellationRequested)
            {
                ExecResult r = Shell.Run("ip", "-n", _ns.Name, "route", "show", _prefix);
                if (!r.Stdout.Contains("via " + _nextHop, StringComparison.Ordinal))
                {
                    if (Interlocked.Increment(ref _misses) == 1)
                    {
                        FirstMiss = $"{DateTime.UtcNow:HH:mm:ss.fff}: '{r.Stdout.Trim()}' {r.Stderr.Trim()}";
                    }
                }

                Interlocked.Increment(ref _samples);
                _stop.Token.WaitHandle.WaitOne(20);
            }
        }
    }
}
