using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 5 (the zebra role) against the real kernel in namespaces, with FRR 8.4 as the peer: routes kept
/// across a daemon restart without a gap and stale ones swept after the grace time; link down (connected
/// prefix withdrawn, routes via the link removed, the directly connected session reset at once —
/// fast-external-failover) and link up; an unresolvable next hop not installed; `show ip route [json]`
/// and `show interface`.
/// dut (stackbgpd, AS 65001) — 10.0.12.1/30 ——— 10.0.12.2/30 — peer A (FRR, AS 65002)
///                            — 10.0.13.1/30 ——— 10.0.13.2/30 — peer B (FRR, AS 65003)
/// </summary>
public sealed class KernelTests(ITestOutputHelper output)
{
    private const string Kept = "10.77.1.0/24";
    private const string Dropped = "10.77.2.0/24";
    private const string ThirdParty = "10.77.9.0/24";
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);

    private static string DutConfig(int sweepSeconds, bool withPeerB) => $"""
        hostname dut
        fib sweep-time {sweepSeconds}
        router bgp 65001
         bgp router-id 10.0.12.1
         no bgp default ipv4-unicast
         no bgp ebgp-requires-policy
         neighbor 10.0.12.2 remote-as 65002
         neighbor 10.0.12.2 timers 20 60
         neighbor 10.0.12.2 timers connect 1
        {(withPeerB ? " neighbor 10.0.13.2 remote-as 65003\n neighbor 10.0.13.2 timers 20 60\n neighbor 10.0.13.2 timers connect 1" : "")}
         address-family ipv4 unicast
          redistribute connected
          neighbor 10.0.12.2 activate
        {(withPeerB ? "  neighbor 10.0.13.2 activate" : "")}
         exit-address-family
        exit

        """;

    /// <summary>Peer A announces <see cref="Kept"/>, <see cref="Dropped"/> and (with a third-party next hop) <see cref="ThirdParty"/>.</summary>
    private static string PeerAConfig() => """
        frr defaults datacenter
        hostname peer-a
        log stdout informational
        ip prefix-list third-party seq 5 permit 10.77.9.0/24
        route-map out permit 10
         match ip address prefix-list third-party
         set ip next-hop 192.0.2.99
        route-map out permit 20
        router bgp 65002
         bgp router-id 10.0.12.2
         no bgp default ipv4-unicast
         no bgp ebgp-requires-policy
         no bgp network import-check
         neighbor 10.0.12.1 remote-as 65001
         neighbor 10.0.12.1 timers 20 60
         neighbor 10.0.12.1 timers connect 1
         address-family ipv4 unicast
          network 10.77.1.0/24
          network 10.77.2.0/24
          network 10.77.9.0/24
          neighbor 10.0.12.1 activate
          neighbor 10.0.12.1 route-map out out
         exit-address-family
        exit

        """;

    private static string PeerBConfig() => """
        frr defaults datacenter
        hostname peer-b
        log stdout informational
        router bgp 65003
         bgp router-id 10.0.13.2
         no bgp default ipv4-unicast
         no bgp ebgp-requires-policy
         neighbor 10.0.13.1 remote-as 65001
         neighbor 10.0.13.1 timers 20 60
         neighbor 10.0.13.1 timers connect 1
         address-family ipv4 unicast
          neighbor 10.0.13.1 activate
         exit-address-family
        exit

        """;

    private static string KernelRoute(NetNs ns, string prefix) => ns.Ip("route", "show", prefix).Stdout.Trim();

    /// <summary>The route is desired again and installed (`B>*`), not only kept as stale from the previous run.</summary>
    private static bool Relearned(StackBgpInstance stack, string prefix) =>
        stack.Cli("show ip route").Split('\n').Any(l => l.StartsWith($"B>* {prefix} ", StringComparison.Ordinal));

    private static bool InstalledVia(NetNs ns, string prefix, string gateway)
    {
        string r = KernelRoute(ns, prefix);
        return r.Contains("via " + gateway + " ", StringComparison.Ordinal) && r.Contains("proto bgp", StringComparison.Ordinal);
    }

    [Fact]
    public void Kernel_routes_survive_sigterm_and_kill9_restarts_without_a_gap_and_stale_ones_are_swept_after_the_grace_time()
    {
        const int Sweep = 15;
        var owned = new List<IDisposable>();
        try
        {
            NetNs dut = NetNs.Create();
            owned.Add(dut);
            NetNs peerNs = NetNs.Create();
            owned.Add(peerNs);
            Veth link = Veth.Numbered(dut, peerNs, "10.0.12.1/30", "10.0.12.2/30");
            var peer = FrrInstance.Start(peerNs, PeerAConfig(), log: output.WriteLine);
            owned.Add(peer);
            var stack = StackBgpInstance.Start(dut, DutConfig(Sweep, withPeerB: false), output.WriteLine);
            owned.Add(stack);
            Poll.Until(() => InstalledVia(dut, Kept, "10.0.12.2") && InstalledVia(dut, Dropped, "10.0.12.2"), Converge,
                () => $"dut kernel routes to {Kept} and {Dropped} via 10.0.12.2 (proto bgp); seen:\n{dut.Routes()}");

            // show ip route [json] and show interface: what was installed and the links seen
            string json = stack.Cli("show ip route json");
            Assert.Contains("\"" + Kept + "\"", json, StringComparison.Ordinal);
            Assert.Contains("\"10.0.12.2\"", json, StringComparison.Ordinal);
            string text = stack.Cli("show ip route");
            Assert.Contains($"B>* {Kept}", text, StringComparison.Ordinal);
            Assert.Contains($"via 10.0.12.2, {link.IfA}", text, StringComparison.Ordinal);
            string interfaces = stack.Cli("show interface");
            Assert.Contains("10.0.12.1/30", interfaces, StringComparison.Ordinal);
            Assert.Contains(" is up", interfaces, StringComparison.Ordinal);
            output.WriteLine("show ip route:\n" + text + "\nshow interface brief:\n" + stack.Cli("show interface brief"));

            // Every route change in dut's kernel from now on, with a marker route to know the monitor listens.
            LabProcess monitor = LabProcess.Start(dut, "ip-monitor", "ip", "-ts", "monitor", "route");
            owned.Add(monitor);
            int marker = 0;
            Poll.Until(
                () =>
                {
                    // a new marker route each time (an identical replace is not notified) until the monitor has subscribed
                    dut.Ip("route", "add", "blackhole", $"10.255.255.{++marker}/32");
                    return monitor.Output.Contains("blackhole 10.255.255.", StringComparison.Ordinal);
                },
                TimeSpan.FromSeconds(10),
                () => $"ip monitor in dut reporting the marker route; its output: {monitor.Output}");

            // 1. SIGTERM: the daemon says goodbye to its peer, its kernel routes stay
            stack.Terminate(TimeSpan.FromSeconds(10));
            Assert.True(stack.Process.HasExited, "stackbgpd exited after SIGTERM");
            Assert.True(InstalledVia(dut, Kept, "10.0.12.2"), $"{Kept} still in the kernel after stackbgpd stopped; seen:\n{dut.Routes()}");

            // peer A stops announcing Dropped while dut is down: after the restart it is stale
            peer.Vtysh("configure terminal", "router bgp 65002", "address-family ipv4 unicast", "no network " + Dropped);
            stack = StackBgpInstance.Start(dut, DutConfig(Sweep, withPeerB: false), output.WriteLine);
            owned.Add(stack);
            stack.WaitEstablished("10.0.12.2", Converge);
            Poll.Until(() => Relearned(stack, Kept), Converge,
                () => $"{Kept} learned again after the restart (`B>*` in show ip route): {stack.Cli("show ip route")}");
            Assert.True(InstalledVia(dut, Dropped, "10.0.12.2"),
                $"the stale {Dropped} is kept during the grace time ({Sweep} s) after the restart; seen:\n{dut.Routes()}");
            string afterRestart = stack.Cli("show ip route");
            output.WriteLine("show ip route after the restart:\n" + afterRestart);
            Assert.Contains(afterRestart.Split('\n'), l => l.Contains(Dropped, StringComparison.Ordinal) && l.Contains("(stale)", StringComparison.Ordinal));
            Assert.Contains(afterRestart.Split('\n'), l => l.StartsWith($"B>* {Kept}", StringComparison.Ordinal));
            Poll.Until(() => KernelRoute(dut, Dropped).Length == 0, TimeSpan.FromSeconds(Sweep + 30),
                () => $"stale {Dropped} swept after the grace time of {Sweep} s; seen:\n{dut.Routes()}\nstackbgpd:\n{stack.Output}");
            Assert.True(InstalledVia(dut, Kept, "10.0.12.2"), $"{Kept} (learned again) not swept; seen:\n{dut.Routes()}");

            // 2. kill -9: nothing is cleaned up by the daemon, the route stays; the next run reuses it
            stack.SignalAll(Shell.SigKill);
            Poll.Until(() => stack.Process.HasExited, TimeSpan.FromSeconds(10), () => "stackbgpd gone after kill -9");
            Assert.True(InstalledVia(dut, Kept, "10.0.12.2"), $"{Kept} still in the kernel after kill -9; seen:\n{dut.Routes()}");
            stack = StackBgpInstance.Start(dut, DutConfig(Sweep, withPeerB: false), output.WriteLine);
            owned.Add(stack);
            stack.WaitEstablished("10.0.12.2", Converge);
            Poll.Until(() => Relearned(stack, Kept), Converge,
                () => $"{Kept} learned again after kill -9 and restart (`B>*` in show ip route): {stack.Cli("show ip route")}");

            string log = monitor.Output;
            output.WriteLine("dut route changes seen:\n" + log);
            Assert.DoesNotContain(log.Split('\n'), l => l.Contains("Deleted " + Kept, StringComparison.Ordinal));
            Assert.Contains(log.Split('\n'), l => l.Contains("Deleted " + Dropped, StringComparison.Ordinal));
            Assert.True(InstalledVia(dut, Kept, "10.0.12.2"), $"{Kept} in the kernel at the end; seen:\n{dut.Routes()}");
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
    public void Link_down_resets_the_session_at_once_and_withdraws_its_routes_link_up_restores_and_an_unresolvable_next_hop_is_not_installed()
    {
        var owned = new List<IDisposable>();
        try
        {
            NetNs dut = NetNs.Create();
            owned.Add(dut);
            NetNs aNs = NetNs.Create();
            owned.Add(aNs);
            NetNs bNs = NetNs.Create();
            owned.Add(bNs);
            Veth linkA = Veth.Numbered(dut, aNs, "10.0.12.1/30", "10.0.12.2/30");
            Veth.Numbered(dut, bNs, "10.0.13.1/30", "10.0.13.2/30");
            Veth linkC = Veth.Create(dut, aNs); // a second link to peer A, no session on it: 192.0.2.0/24 comes later
            var peerA = FrrInstance.Start(aNs, PeerAConfig(), log: output.WriteLine);
            owned.Add(peerA);
            var peerB = FrrInstance.Start(bNs, PeerBConfig(), log: output.WriteLine);
            owned.Add(peerB);
            var stack = StackBgpInstance.Start(dut, DutConfig(60, withPeerB: true), output.WriteLine);
            owned.Add(stack);
            stack.WaitEstablished("10.0.12.2", Converge);
            stack.WaitEstablished("10.0.13.2", Converge);
            Poll.Until(() => InstalledVia(dut, Kept, "10.0.12.2"), Converge, () => $"{Kept} via 10.0.12.2 in dut's kernel; seen:\n{dut.Routes()}");
            Poll.Until(() => peerB.Paths("10.0.12.0/30").Count == 1, Converge, () => "peer B has dut's connected 10.0.12.0/30");

            // The third-party next hop 192.0.2.99 is not reachable from dut: the path is known, nothing installed
            Poll.Until(() => stack.Paths(ThirdParty).Count == 1, Converge, () => $"dut holds peer A's path to {ThirdParty}");
            // (next-hop tracking resolves 192.0.2.99 through the kernel and tells the RIB, which takes the path
            // out of best-path selection: `show ip route` drops it once that verdict is in)
            Poll.Until(() => !stack.Cli("show ip route json").Contains("\"" + ThirdParty + "\"", StringComparison.Ordinal), TimeSpan.FromSeconds(20),
                () => $"{ThirdParty} (next hop 192.0.2.99, unreachable) not in `show ip route json`: {stack.Cli("show ip route json")}\nstackbgpd:\n{stack.Output}");
            Assert.True(KernelRoute(dut, ThirdParty).Length == 0,
                $"{ThirdParty} (next hop 192.0.2.99, unreachable) must not be in the kernel; seen: {KernelRoute(dut, ThirdParty)}");
            // ... and once 192.0.2.99 is on a connected subnet (a second link to peer A), it is
            dut.AddAddress(linkC.IfA, "192.0.2.1/24");
            aNs.AddAddress(linkC.IfB, "192.0.2.99/24");
            Poll.Until(() => InstalledVia(dut, ThirdParty, "192.0.2.99"), Converge,
                () => $"{ThirdParty} via 192.0.2.99 installed once the next hop became reachable; seen: '{KernelRoute(dut, ThirdParty)}'\nstackbgpd:\n{stack.Output}");

            // That second link loses carrier: no session runs over it, so only next-hop tracking can tell. The
            // kernel keeps its route via 192.0.2.99 (flagged linkdown); StackBgp must take it out of best-path
            // selection and the kernel while the session to peer A stays up, and put it back on link up.
            linkC.SetUp(sideA: false, up: false);
            Poll.Until(() => KernelRoute(dut, ThirdParty).Length == 0, TimeSpan.FromSeconds(20),
                () => $"{ThirdParty} removed from dut's kernel when the link to its next hop 192.0.2.99 went down; seen: '{KernelRoute(dut, ThirdParty)}'\nstackbgpd:\n{stack.Output}");
            Assert.Equal("Established", stack.NeighborState("10.0.12.2"));
            Assert.True(InstalledVia(dut, Kept, "10.0.12.2"), $"{Kept} (next hop on the link still up) stays; seen:\n{dut.Routes()}");
            Assert.DoesNotContain("\"" + ThirdParty + "\"", stack.Cli("show ip route json"), StringComparison.Ordinal);
            linkC.SetUp(sideA: false, up: true);
            Poll.Until(() => InstalledVia(dut, ThirdParty, "192.0.2.99"), Converge,
                () => $"{ThirdParty} via 192.0.2.99 back once the link came up; seen: '{KernelRoute(dut, ThirdParty)}'\nstackbgpd:\n{stack.Output}");

            // Peer A's side of the link goes down: dut loses carrier. The hold time is 60 s, so only
            // fast-external-failover explains a session down within 20 s.
            linkA.SetUp(sideA: false, up: false);
            Poll.Until(() => stack.NeighborState("10.0.12.2") != "Established", TimeSpan.FromSeconds(20),
                () => $"dut's session to 10.0.12.2 reset when its interface went down (hold time 60 s); stackbgpd:\n{stack.Output}");
            Assert.Contains("fast-external-failover", stack.Output, StringComparison.Ordinal);
            Poll.Until(() => KernelRoute(dut, Kept).Length == 0 && KernelRoute(dut, ThirdParty).Length == 0, TimeSpan.FromSeconds(20),
                () => $"routes via the downed link removed from dut's kernel; seen:\n{dut.Routes()}");
            Assert.Empty(stack.Paths(Kept));
            Poll.Until(() => peerB.Paths("10.0.12.0/30").Count == 0, TimeSpan.FromSeconds(20),
                () => "dut withdrew its connected 10.0.12.0/30 from peer B when the link went down");

            // Link up: session back, routes back in the kernel, connected prefix announced again
            linkA.SetUp(sideA: false, up: true);
            stack.WaitEstablished("10.0.12.2", Converge);
            Poll.Until(() => InstalledVia(dut, Kept, "10.0.12.2") && InstalledVia(dut, ThirdParty, "192.0.2.99"), Converge,
                () => $"routes via peer A back in dut's kernel after link up; seen:\n{dut.Routes()}");
            Poll.Until(() => peerB.Paths("10.0.12.0/30").Count == 1, Converge, () => "peer B has dut's 10.0.12.0/30 again after link up");
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
