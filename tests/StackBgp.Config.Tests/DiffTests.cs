using Xunit;

namespace StackBgp.Config.Tests;

public class DiffTests
{
    private static StackBgpConfig P(string text)
    {
        var r = ConfigParser.Parse(text, "t.conf");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors));
        return r.Config!;
    }

    private const string Base = """
        router bgp 65000
         neighbor g peer-group
         neighbor g remote-as external
         neighbor 10.0.0.1 peer-group g
         neighbor 10.0.0.2 remote-as 65002
         address-family ipv4 unicast
          neighbor g activate
          neighbor 10.0.0.2 activate
         exit-address-family
        """;

    [Fact]
    public void Identical_configs_have_an_empty_diff()
    {
        var d = ConfigDiffer.Compare(P(Base), P(Base));
        Assert.True(d.IsEmpty);
    }

    [Fact]
    public void Added_and_removed_neighbors_are_listed()
    {
        var next = P(Base.Replace(" neighbor 10.0.0.2 remote-as 65002", " neighbor 10.0.0.3 remote-as 65003", StringComparison.Ordinal)
            .Replace("neighbor 10.0.0.2 activate", "neighbor 10.0.0.3 activate", StringComparison.Ordinal));
        var d = ConfigDiffer.Compare(P(Base), next);
        Assert.Equal(["10.0.0.3"], d.Added);
        Assert.Equal(["10.0.0.2"], d.Removed);
        Assert.Empty(d.Changed);
    }

    [Theory]
    [InlineData(" neighbor 10.0.0.2 remote-as 65009", "remote-as")]
    [InlineData(" neighbor 10.0.0.2 update-source 10.9.9.9", "update-source")]
    [InlineData(" neighbor 10.0.0.2 password k", "password")]
    [InlineData(" neighbor 10.0.0.2 ttl-security hops 1", "ttl-security")]
    [InlineData(" neighbor 10.0.0.2 port 1179", "port")]
    [InlineData(" neighbor 10.0.0.2 capability extended-nexthop", "capability extended-nexthop")]
    [InlineData(" neighbor 10.0.0.2 ebgp-multihop 2", "ebgp-multihop")]
    [InlineData(" address-family ipv6 unicast\n  neighbor 10.0.0.2 activate", "ipv6 unicast activate")]
    public void Session_level_changes_need_a_reset(string extra, string setting)
    {
        var d = ConfigDiffer.Compare(P(Base), P(Base + "\n" + extra));
        var c = Assert.Single(d.Changed);
        Assert.Equal("10.0.0.2", c.Id);
        Assert.True(c.NeedsReset);
        Assert.Contains(setting, c.ChangedSettings);
    }

    [Theory]
    [InlineData(" neighbor 10.0.0.2 description new text", "description", false, false)]
    [InlineData(" neighbor 10.0.0.2 advertisement-interval 5", "advertisement-interval", false, true)]
    [InlineData(" neighbor 10.0.0.2 timers 3 9", "timers", false, false)]
    [InlineData(" address-family ipv4 unicast\n  neighbor 10.0.0.2 route-map rm in", "ipv4 unicast route-map-in", true, false)]
    [InlineData(" address-family ipv4 unicast\n  neighbor 10.0.0.2 prefix-list pl out", "ipv4 unicast prefix-list-out", false, true)]
    public void Policy_and_cosmetic_changes_do_not_reset(string extra, string setting, bool inbound, bool outbound)
    {
        var d = ConfigDiffer.Compare(P(Base), P(Base + "\n" + extra));
        var c = Assert.Single(d.Changed);
        Assert.False(c.NeedsReset);
        Assert.Equal([setting], c.ChangedSettings);
        Assert.Equal(inbound, c.InboundPolicyChanged);
        Assert.Equal(outbound, c.OutboundPolicyChanged);
    }

    [Fact]
    public void A_change_to_a_peer_group_reaches_its_members()
    {
        var d = ConfigDiffer.Compare(P(Base), P(Base + "\n neighbor g password s"));
        var c = Assert.Single(d.Changed);
        Assert.Equal("10.0.0.1", c.Id);
        Assert.True(c.NeedsReset);
    }

    [Fact]
    public void A_new_router_id_resets_everything_and_policy_edits_are_flagged()
    {
        var d = ConfigDiffer.Compare(P(Base), P(Base + "\n bgp router-id 1.1.1.1\nip prefix-list x permit 10.0.0.0/8"));
        Assert.True(d.BgpInstanceReplaced);
        Assert.True(d.PolicyChanged);
        Assert.All(d.Changed, c => Assert.True(c.NeedsReset));
        Assert.Equal(2, d.Changed.Count());
    }

    [Fact]
    public void Global_settings_are_flagged_without_touching_neighbors()
    {
        var d = ConfigDiffer.Compare(P(Base), P(Base + "\n address-family ipv4 unicast\n  maximum-paths 4"));
        Assert.True(d.BgpGlobalChanged);
        Assert.Empty(d.Neighbors);
    }
}
