using Xunit;

namespace StackBgp.Config.Tests;

/// <summary>Issue 4: routing knobs whose "unset" differs from "off" keep the difference through parse and print.</summary>
public class RoutingKnobTests
{
    [Theory]
    [InlineData("", null, null)]
    [InlineData(" bgp deterministic-med\n", true, "bgp deterministic-med")]
    [InlineData(" no bgp deterministic-med\n", false, "no bgp deterministic-med")]
    public void Deterministic_med_is_unset_on_or_off_and_prints_back(string line, bool? expected, string? printed)
    {
        var r = ConfigParser.Parse($"router bgp 65000\n{line}", "t.conf");
        Assert.True(r.IsValid, string.Join("\n", r.Errors));
        Assert.Equal(expected, r.Config!.Bgp!.DeterministicMed);
        string text = ConfigPrinter.Print(r.Config);
        if (printed is null) Assert.DoesNotContain("deterministic-med", text, StringComparison.Ordinal);
        else Assert.Contains("\n " + printed + "\n", text, StringComparison.Ordinal);
        Assert.Equal(expected, ConfigParser.Parse(text, "printed.conf").Config!.Bgp!.DeterministicMed);
    }

    [Fact]
    public void Send_hold_time_is_unset_by_default_inherited_from_the_group_and_printed_back()
    {
        // RFC 9687 §4: SendHoldTime is left to configuration (StackBgp's extension of FRR's syntax).
        var r = ConfigParser.Parse("""
            router bgp 65000
             neighbor NODES peer-group
             neighbor NODES remote-as external
             neighbor NODES timers send-hold 120
             neighbor 192.0.2.1 peer-group NODES
             neighbor 192.0.2.2 remote-as external
            """, "t.conf");
        Assert.True(r.IsValid, string.Join("\n", r.Errors));
        var bgp = r.Config!.Bgp!;
        Assert.Equal(120, bgp.Effective(bgp.FindNeighbor("192.0.2.1")!, r.Config.TimerDefaults).SendHold);
        Assert.Null(bgp.Effective(bgp.FindNeighbor("192.0.2.2")!, r.Config.TimerDefaults).SendHold);
        string text = ConfigPrinter.Print(r.Config);
        Assert.Contains(" neighbor NODES timers send-hold 120\n", text, StringComparison.Ordinal);
        var bad = ConfigParser.Parse("router bgp 65000\n neighbor 192.0.2.2 remote-as external\n neighbor 192.0.2.2 timers send-hold 0\n", "t.conf");
        Assert.False(bad.IsValid);
        Assert.Contains(bad.Errors, e => e.ToString().Contains("send hold time", StringComparison.Ordinal));
    }

    [Fact]
    public void Peer_group_policy_and_limits_reach_members_and_a_member_setting_wins()
    {
        var r = ConfigParser.Parse("""
            router bgp 65000
             neighbor SPINES peer-group
             neighbor SPINES remote-as external
             neighbor 192.0.2.1 peer-group SPINES
             neighbor 192.0.2.2 peer-group SPINES
             address-family ipv4 unicast
              neighbor SPINES route-map IN in
              neighbor SPINES route-map OUT out
              neighbor SPINES prefix-list PIN in
              neighbor SPINES prefix-list POUT out
              neighbor SPINES filter-list FIN in
              neighbor SPINES filter-list FOUT out
              neighbor SPINES maximum-prefix 100 warning-only
              neighbor SPINES next-hop-self force
              neighbor SPINES allowas-in origin
              no neighbor SPINES send-community extended
              no neighbor 192.0.2.2 send-community all
              neighbor 192.0.2.2 send-community large
              neighbor 192.0.2.2 route-map IN2 in
              neighbor 192.0.2.2 maximum-prefix 50 restart 5
             exit-address-family
            """, "t.conf");
        Assert.True(r.IsValid, string.Join("\n", r.Errors));
        var ns = r.Config!.Bgp!.EffectiveNeighbors(r.Config.TimerDefaults).ToDictionary(n => n.Id);
        var a1 = ns["192.0.2.1"].Families[StackBgp.Wire.AddressFamily.Ipv4Unicast];
        Assert.Equal(("IN", "OUT", "PIN", "POUT", "FIN", "FOUT"), (a1.RouteMapIn, a1.RouteMapOut, a1.PrefixListIn, a1.PrefixListOut, a1.FilterListIn, a1.FilterListOut));
        Assert.Equal(new MaximumPrefixSpec(100, null, true, null), a1.MaximumPrefix);
        Assert.Equal(NextHopSelfMode.Force, a1.NextHopSelf);
        Assert.True(a1.AllowAsIn!.Origin);
        Assert.Equal(CommunityKinds.Standard | CommunityKinds.Large, a1.SendCommunity); // FRR: all by default, `no` removes a kind
        var a2 = ns["192.0.2.2"].Families[StackBgp.Wire.AddressFamily.Ipv4Unicast];
        Assert.Equal("IN2", a2.RouteMapIn);
        Assert.Equal("OUT", a2.RouteMapOut);
        Assert.Equal(new MaximumPrefixSpec(50, null, false, 5), a2.MaximumPrefix);
        Assert.Equal(CommunityKinds.Large, a2.SendCommunity);
    }
}
