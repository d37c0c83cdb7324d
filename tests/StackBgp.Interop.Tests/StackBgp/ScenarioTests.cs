using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 7 point 5: S1 and S3 on the scenario lab with stackbgpd on the controllers, the fabric FRR or
/// stackbgpd. No timing thresholds: every step polls the spine's kernel route / the client's answers.
/// </summary>
public sealed class ScenarioTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(30);

    /// <summary>Far below any hold time: a hung controller is noticed by BFD only.</summary>
    private static readonly TimeSpan Bfd = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(SpeakerKind.Frr)]
    [InlineData(SpeakerKind.StackBgp)]
    public void S1_vip_move_is_answered_by_the_new_controller_and_a_hung_one_is_removed_by_bfd(SpeakerKind fabric)
    {
        using ScenarioLab lab = ScenarioLab.Build(SpeakerKind.StackBgp, fabric, output.WriteLine);

        lab.AddVip(1);
        Poll.Until(() => lab.SpineNextHops(), h => h.SequenceEqual([ScenarioLab.LeafAddress(1)]), Converge, "spine route to the VIP via leaf-1 only");
        Poll.Until(lab.Ask, a => a == "controller-1", Converge, "the client answered by controller-1");

        lab.RemoveVip(1);
        lab.AddVip(2);
        Poll.Until(() => lab.SpineNextHops(), h => h.SequenceEqual([ScenarioLab.LeafAddress(2)]), Converge, "spine route to the VIP via leaf-2 only after the move");
        Poll.Until(lab.Ask, a => a == "controller-2", Converge, "the client answered by controller-2");

        // controller-2's stackbgpd hangs (SIGSTOP): its TCP session stays open, only BFD can notice
        lab.ControllerSpeaker(2).SignalAll(Shell.SigStop);
        try
        {
            Poll.Until(() => lab.SpineNextHops(), h => h.Count == 0, Bfd, "no spine route to the VIP after controller-2's stackbgpd hung (BFD)");
        }
        finally
        {
            lab.ControllerSpeaker(2).SignalAll(Shell.SigCont);
        }
    }

    [Theory]
    [InlineData(SpeakerKind.Frr)]
    [InlineData(SpeakerKind.StackBgp)]
    public void S3_spreads_connections_a_dead_controller_loses_exactly_its_next_hop_and_sigterm_withdraws(SpeakerKind fabric)
    {
        using ScenarioLab lab = ScenarioLab.Build(SpeakerKind.StackBgp, fabric, output.WriteLine);
        string[] all = [ScenarioLab.LeafAddress(1), ScenarioLab.LeafAddress(2), ScenarioLab.LeafAddress(3)];
        for (int r = 1; r <= ScenarioLab.Racks; r++)
        {
            lab.AddVip(r);
        }

        Poll.Until(() => lab.SpineNextHops(), h => h.SequenceEqual(all), Converge, "spine ECMP route with three next hops");
        output.WriteLine("spine with ECMP:\n" + lab.SpineRoutes());

        Dictionary<string, int> spread = lab.Spread(300);
        output.WriteLine("300 connections: " + string.Join(", ", spread.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{(p.Key.Length == 0 ? "failed" : p.Key)} {p.Value}")));
        Assert.All(new[] { "controller-1", "controller-2", "controller-3" }, c => Assert.True(spread.GetValueOrDefault(c) > 0, $"{c} got no connection"));
        Assert.Equal(0, spread.GetValueOrDefault(""));

        // controller-1's uplink goes down (the namespace's link, stackbgpd still running): the leaf loses carrier,
        // resets the session at once (fast-external-failover) and the spine loses exactly leaf-1; link up brings it back
        lab.Controllers[1].Ip("link", "set", "enp2s0", "down");
        Poll.Until(() => lab.SpineNextHops(), h => h.SequenceEqual(all[1..]), Converge, "exactly leaf-1's next hop removed after controller-1's uplink went down");
        lab.Controllers[1].Ip("link", "set", "enp2s0", "up");
        Poll.Until(() => lab.SpineNextHops(), h => h.SequenceEqual(all), Converge, "three next hops again after controller-1's uplink came back");

        // controller-3 dies: kill -9 and its link goes down
        lab.ControllerSpeaker(3).SignalAll(Shell.SigKill);
        lab.Controllers[3].Ip("link", "set", "enp2s0", "down");
        Poll.Until(() => lab.SpineNextHops(), h => h.SequenceEqual(all[..2]), Converge, "exactly leaf-3's next hop removed after controller-3 died");
        Dictionary<string, int> after = lab.Spread(30);
        Assert.Equal(0, after.GetValueOrDefault("controller-3"));
        Assert.Equal(30, after.GetValueOrDefault("controller-1") + after.GetValueOrDefault("controller-2"));

        // controller-2 stops gracefully: it sends a Cease NOTIFICATION to its leaf before it exits (the leaf counts it),
        // and the spine loses exactly leaf-2
        var speaker = (StackBgpInstance)lab.ControllerSpeaker(2);
        long before = NotificationsReceived(lab.LeafSpeakers[2], "100.64.2.2");
        speaker.Terminate(TimeSpan.FromSeconds(10));
        Poll.Until(() => lab.SpineNextHops(), h => h.SequenceEqual(all[..1]), Converge, "exactly leaf-2's next hop removed after controller-2's SIGTERM");
        string why = LeafNeighborJson(lab.LeafSpeakers[2], "100.64.2.2");
        output.WriteLine("leaf-2's view of controller-2 after its SIGTERM: " + why);
        bool told = lab.LeafSpeakers[2] is FrrInstance
            ? NotificationsReceived(lab.LeafSpeakers[2], "100.64.2.2") > before
            : why.Contains("cease", StringComparison.OrdinalIgnoreCase) || why.Contains("Administrative", StringComparison.Ordinal);
        Assert.True(told, $"leaf-2 should have received controller-2's Cease NOTIFICATION (graceful stop); its neighbor view: {why}\ncontroller-2's stackbgpd log (end):\n{Tail(speaker.Output, 25)}");
    }

    /// <summary>FRR's messageStats.notificationsRecv for a neighbor (0 for other speakers).</summary>
    private static long NotificationsReceived(BgpPeerBase leaf, string neighbor) =>
        leaf is FrrInstance f ? f.VtyshJson($"show bgp neighbors {neighbor} json")[neighbor]?["messageStats"]?["notificationsRecv"]?.GetValue<long>() ?? 0 : 0;

    private static string Tail(string text, int lines)
    {
        string[] all = text.Split('\n');
        return string.Join('\n', all[Math.Max(0, all.Length - lines)..]);
    }

    private static string LeafNeighborJson(BgpPeerBase leaf, string neighbor) => leaf switch
    {
        FrrInstance f => f.VtyshJson($"show bgp neighbors {neighbor} json").ToJsonString(),
        StackBgpInstance s => s.CliJson($"show bgp neighbors {neighbor} json").ToJsonString(),
        _ => "",
    };
}
