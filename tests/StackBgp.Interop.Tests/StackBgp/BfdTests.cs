using System.Globalization;
using System.Text.Json.Nodes;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 6 point 6: StackBgp's own BFD (<c>neighbor X bfd</c>, <c>bfd profile</c>) against FRR's bfdd on
/// the leaf. Sessions come Up at 3×50 ms and 3×300 ms (both CLIs; FRR sees StackBgp's intervals), and a
/// hung stackbgpd (SIGSTOP) makes the leaf remove the node's next hop by BFD (hold time 180).
/// </summary>
public sealed class BfdTests(ITestOutputHelper output)
{
    private const string Vip = "192.1.1.1";
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan WellBelowHold = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(50)]
    [InlineData(300)]
    public void Bfd_with_frr_comes_up_and_a_hung_stackbgpd_is_removed_by_bfd(int ms)
    {
        using NetNs leaf = NetNs.Create();
        using NetNs node = NetNs.Create();
        Veth link = Veth.Create(leaf, node, "down0", "enp2s0");
        leaf.AddAddress(link.IfA, "100.64.1.1/30");
        node.AddAddress(link.IfB, "100.64.1.2/30");
        node.AddLoopbackAddress("99.99.1.1/32");

        // hold time 180 on the leaf's side too, so only BFD can explain a fast removal
        string leafConf = ScenarioLab.Render("leaf", 1, ms, 3)
            .Replace("  neighbor nodes timers connect 1\n", "  neighbor nodes timers connect 1\n  neighbor nodes timers 60 180\n", StringComparison.Ordinal);
        Assert.Contains("neighbor nodes timers 60 180", leafConf, StringComparison.Ordinal);
        using FrrInstance frr = FrrInstance.Start(leaf, leafConf, bfd: true, log: output.WriteLine);
        using StackBgpInstance stack = StackBgpInstance.Start(node, ScenarioLab.Render("controller", 1, ms, 3), output.WriteLine);

        frr.WaitEstablished("100.64.1.2", Converge);
        JsonNode frrPeer = Poll.Until(() => FrrBfdPeer(frr, "100.64.1.2"), p => p?["status"]?.GetValue<string>() == "up", Converge,
            "FRR bfdd: peer 100.64.1.2 up")!;
        output.WriteLine("FRR bfd peer: " + frrPeer.ToJsonString());
        JsonNode ownPeer = Poll.Until(() => StackBfdPeer(stack, "100.64.1.1"), p => p?["status"]?.GetValue<string>() == "up", Converge,
            "stackbgpd 'show bfd peers json': peer 100.64.1.1 up")!;
        output.WriteLine("stackbgpd bfd peer: " + ownPeer.ToJsonString());

        // what FRR learned from StackBgp's control packets (RFC 5880 §4.1): StackBgp's intervals and multiplier
        Assert.Equal(3, frrPeer["remote-detect-multiplier"]?.GetValue<int>());
        Assert.Equal(ms, frrPeer["remote-receive-interval"]?.GetValue<int>());
        Assert.Equal(ms, frrPeer["remote-transmit-interval"]?.GetValue<int>());

        node.AddLoopbackAddress(Vip + "/32");
        Poll.Until(() => KernelNextHops.Are(leaf, Vip, "100.64.1.2"), Converge, () => $"leaf route to {Vip} via the node; seen '{KernelNextHops.Text(leaf, Vip)}'");

        stack.SignalAll(Shell.SigStop);
        try
        {
            Poll.Until(() => KernelNextHops.Of(leaf, Vip).Count == 0, WellBelowHold,
                () => $"leaf to remove the node's next hop for {Vip} by BFD after stackbgpd hung (hold time 180); seen '{KernelNextHops.Text(leaf, Vip)}', FRR bfd: {FrrBfdPeer(frr, "100.64.1.2")?.ToJsonString()}");
            Assert.Equal("down", FrrBfdPeer(frr, "100.64.1.2")?["status"]?.GetValue<string>());
        }
        finally
        {
            stack.SignalAll(Shell.SigCont);
        }

        // resumed: BFD and BGP come back and so does the route
        Poll.Until(() => KernelNextHops.Are(leaf, Vip, "100.64.1.2"), Converge, () => $"leaf route back after SIGCONT; seen '{KernelNextHops.Text(leaf, Vip)}'");
    }

    [Fact]
    public void A_reload_changes_bfd_intervals_without_a_flap_and_removing_bfd_ends_the_session()
    {
        using NetNs leaf = NetNs.Create();
        using NetNs node = NetNs.Create();
        using FrrInstance frr = Leaf300(leaf, node);
        using StackBgpInstance stack = StackBgpInstance.Start(node, ScenarioLab.Render("controller", 1, 300, 3), output.WriteLine);
        frr.WaitEstablished("100.64.1.2", Converge);
        Poll.Until(() => StackBfdPeer(stack, "100.64.1.1"), p => p?["status"]?.GetValue<string>() == "up", Converge, "stackbgpd: BFD peer 100.64.1.1 up");
        Poll.Until(() => FrrBfdPeer(frr, "100.64.1.2"), p => p?["status"]?.GetValue<string>() == "up", Converge, "FRR bfdd: peer 100.64.1.2 up");
        long downsBefore = StackBfdDowns(stack, "100.64.1.1");

        // the profile's intervals change: applied in place (Poll Sequence), FRR sees them, no Down anywhere
        stack.Reload(ScenarioLab.Render("controller", 1, 100, 3));
        Poll.Until(() => FrrBfdPeer(frr, "100.64.1.2"), p => p?["remote-transmit-interval"]?.GetValue<int>() == 100 && p?["remote-receive-interval"]?.GetValue<int>() == 100,
            Converge, "FRR bfdd to see stackbgpd's new 100 ms intervals after the reload");
        JsonNode own = StackBfdPeer(stack, "100.64.1.1")!;
        output.WriteLine("stackbgpd bfd peer after the reload: " + own.ToJsonString());
        Assert.Equal("up", own["status"]!.GetValue<string>());
        Assert.Equal(100, own["transmit-interval"]!.GetValue<int>());
        Assert.Equal(downsBefore, StackBfdDowns(stack, "100.64.1.1"));
        Assert.Equal("up", FrrBfdPeer(frr, "100.64.1.2")?["status"]?.GetValue<string>());
        Assert.Equal("Established", stack.NeighborState("100.64.1.1"));

        // `neighbor … bfd` removed: our session goes (AdminDown to the leaf), the neighbor is not held down by it
        string noBfd = string.Join('\n', ScenarioLab.Render("controller", 1, 100, 3).Split('\n').Where(l => !l.Contains("neighbor uplink bfd", StringComparison.Ordinal)));
        stack.Reload(noBfd);
        Poll.Until(() => StackBfdPeer(stack, "100.64.1.1") is null, TimeSpan.FromSeconds(10),
            () => $"stackbgpd to remove the BFD session after `neighbor uplink bfd` was removed; seen {stack.CliJson("show bfd peers json").ToJsonString()}");
        Poll.Until(() => FrrBfdPeer(frr, "100.64.1.2"), p => p?["status"]?.GetValue<string>() is "down" or "shutdown", TimeSpan.FromSeconds(10),
            "FRR bfdd to see stackbgpd's session end");
        stack.WaitEstablished("100.64.1.1", Converge);
    }

    private static JsonNode? FrrBfdPeer(FrrInstance frr, string peer) => FindPeer(frr.VtyshJson("show bfd peers json"), peer);

    [Fact]
    public void Bfd_added_by_a_reload_to_a_daemon_started_without_it_comes_up_with_frr()
    {
        using NetNs leaf = NetNs.Create();
        using NetNs node = NetNs.Create();
        using FrrInstance frr = Leaf300(leaf, node);
        string withBfd = ScenarioLab.Render("controller", 1, 300, 3);
        string withoutBfd = string.Join('\n', withBfd.Split('\n').Where(l => !l.Contains("neighbor uplink bfd", StringComparison.Ordinal)));
        using StackBgpInstance stack = StackBgpInstance.Start(node, withoutBfd, output.WriteLine);
        stack.WaitEstablished("100.64.1.1", Converge);
        Assert.Null(StackBfdPeer(stack, "100.64.1.1"));

        stack.Reload(withBfd);
        Poll.Until(() => StackBfdPeer(stack, "100.64.1.1"), p => p?["status"]?.GetValue<string>() == "up", Converge,
            "stackbgpd: BFD peer 100.64.1.1 up after the reload added `neighbor uplink bfd`");
        Poll.Until(() => FrrBfdPeer(frr, "100.64.1.2"), p => p?["status"]?.GetValue<string>() == "up", Converge, "FRR bfdd: peer 100.64.1.2 up");
        Assert.Contains("BFD engine started", stack.Process.Output, StringComparison.Ordinal);
        stack.WaitEstablished("100.64.1.1", Converge);
    }

    /// <summary>The leaf–node link (100.64.1.1/30 – 100.64.1.2/30) and the FRR leaf with BFD at 3×300 ms.</summary>
    private FrrInstance Leaf300(NetNs leaf, NetNs node)
    {
        Veth link = Veth.Create(leaf, node, "down0", "enp2s0");
        leaf.AddAddress(link.IfA, "100.64.1.1/30");
        node.AddAddress(link.IfB, "100.64.1.2/30");
        return FrrInstance.Start(leaf, ScenarioLab.Render("leaf", 1, 300, 3), bfd: true, log: output.WriteLine);
    }

    private static long StackBfdDowns(StackBgpInstance stack, string peer) =>
        FindPeer(stack.CliJson("show bfd peers counters json"), peer)?["session-down"]?.GetValue<long>()
            ?? throw new InvalidOperationException($"no BFD counters for {peer}: {stack.CliJson("show bfd peers counters json").ToJsonString()}");

    private static JsonNode? StackBfdPeer(StackBgpInstance stack, string peer) => FindPeer(stack.CliJson("show bfd peers json"), peer);

    private static JsonNode? FindPeer(JsonNode peers, string peer) =>
        peers is JsonArray a ? a.FirstOrDefault(p => p?["peer"]?.GetValue<string>() == peer) : null;

    internal static string Ms(int ms) => ms.ToString(CultureInfo.InvariantCulture);
}
