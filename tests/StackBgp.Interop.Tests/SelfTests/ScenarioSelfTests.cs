using System.Diagnostics;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.SelfTests;

/// <summary>
/// Issue 7's S1 and S3 assertions on the scenario lab with FRR everywhere (the harness proving itself;
/// the StackBgp variants use the same lab with <see cref="SpeakerKind.StackBgp"/>). No timing thresholds.
/// </summary>
public sealed class ScenarioSelfTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(30);

    [Fact]
    public void S1_vip_moves_from_controller_1_to_controller_2_and_a_dead_controller_is_removed()
    {
        using ScenarioLab lab = ScenarioLab.Build(SpeakerKind.Frr, SpeakerKind.Frr, output.WriteLine);

        lab.AddVip(1);
        Poll.Until(() => lab.SpineNextHops(), h => h.SequenceEqual([ScenarioLab.LeafAddress(1)]), Converge, "spine route to the VIP via leaf-1 only");
        Poll.Until(lab.Ask, a => a == "controller-1", Converge, "the client answered by controller-1");

        // Pacemaker-like move
        lab.RemoveVip(1);
        var clock = Stopwatch.StartNew();
        lab.AddVip(2);
        TimeSpan toRoute = Poll.Measure(clock, () => lab.SpineNextHops().SequenceEqual([ScenarioLab.LeafAddress(2)]), Converge,
            () => $"spine route to the VIP via leaf-2 only; seen [{string.Join(", ", lab.SpineNextHops())}]");
        Poll.Until(lab.Ask, a => a == "controller-2", Converge, "the client answered by controller-2");
        output.WriteLine($"measured (FRR everywhere, not asserted): ip addr add -> spine kernel route {toRoute.TotalMilliseconds:0} ms");
        output.WriteLine("spine after the move:\n" + lab.SpineRoutes());

        // controller-2 hangs: only BFD can notice; the VIP route disappears from the spine
        lab.ControllerSpeaker(2).SignalAll(Shell.SigStop);
        try
        {
            Poll.Until(() => lab.SpineNextHops(), h => h.Count == 0, Converge, "no spine route to the VIP after controller-2 hung");
        }
        finally
        {
            lab.ControllerSpeaker(2).SignalAll(Shell.SigCont);
        }
    }

    [Fact]
    public void S3_same_vip_on_three_controllers_spreads_connections_and_a_failure_removes_exactly_its_next_hop()
    {
        using ScenarioLab lab = ScenarioLab.Build(SpeakerKind.Frr, SpeakerKind.Frr, output.WriteLine);
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

        lab.ControllerSpeaker(3).SignalAll(Shell.SigKill);
        Poll.Until(() => lab.SpineNextHops(), h => h.SequenceEqual(all[..2]), Converge, "exactly leaf-3's next hop removed after controller-3 died");
        Dictionary<string, int> after = lab.Spread(30);
        Assert.Equal(0, after.GetValueOrDefault("controller-3"));
        Assert.Equal(30, after.GetValueOrDefault("controller-1") + after.GetValueOrDefault("controller-2"));
    }
}
