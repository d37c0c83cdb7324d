using Xunit;

namespace StackBgp.Config.Tests;

public class ErrorTests
{
    private static ConfigError SingleError(string text)
    {
        var r = ConfigParser.Parse(text, "t.conf");
        Assert.True(r.Errors.Count == 1, "expected one error, got:\n" + string.Join("\n", r.Errors));
        Assert.Null(r.Config);
        return r.Errors[0];
    }

    [Theory]
    // line, expected message fragment
    [InlineData("router bgp 65000\n neighbor 10.0.0.1 remote-as 65001\n neighbor 10.0.0.1 peer-group nogroup", 3, "peer-group 'nogroup' does not exist")]
    [InlineData("router bgp 65000\n neighbor 10.0.0.1 peer-group g", 2, "peer-group 'g' does not exist")]
    [InlineData("router bgp 65000\n neighbor g peer-group\n neighbor 10.0.0.1 peer-group g", 3, "neighbor 10.0.0.1 has no remote-as and neither has its peer-group g")]
    [InlineData("router bgp 65000\n neighbor eth0 interface", 2, "neighbor eth0 has no remote-as")]
    [InlineData("router bgp 65000\n neighbor 10.0.0.1 description x", 2, "specify remote-as or peer-group commands first")]
    [InlineData("router bgp 65000\n neighbor foo remote-as 1", 2, "create the peer-group or interface first")]
    [InlineData("router bgp 65000\nrouter bgp 65000", 2, "duplicate 'router bgp' (first at line 1)")]
    [InlineData("router bgp 65000\nrouter bgp 65001", 2, "BGP is already running as AS 65000")]
    [InlineData("router bgp 0", 1, "invalid AS number '0'")]
    [InlineData("router bgp 4294967296", 1, "invalid AS number")]
    [InlineData("ip prefix-list x permit 10.0.0.1/8", 1, "prefix '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)")]
    [InlineData("ip prefix-list x permit 10.0.0.0/8 ge 4", 1, "invalid prefix range")]
    [InlineData("ip prefix-list x permit 10.0.0.0/8 ge 24 le 16", 1, "ge 24 is greater than le 16")]
    [InlineData("ip prefix-list x permit 10.0.0.0/8 le 33", 1, "invalid prefix range")]
    [InlineData("ip prefix-list x permit 2001:db8::/32", 1, "is not an IPv4 prefix")]
    [InlineData("router bgp 65000\n address-family ipv4 unicast\n  network 10.1.1.1/16", 3, "has host bits set")]
    [InlineData("router bgp 65000\n timers bgp 10 2", 2, "hold time '2' must be 0 or 3..65535")]
    [InlineData("router bgp 65000\n neighbor 10.0.0.1 remote-as 1\n neighbor 10.0.0.1 ttl-security hops 255", 3, "ttl-security hops '255' is out of range (1..254)")]
    [InlineData("router bgp 65000\n neighbor 10.0.0.1 remote-as 1\n neighbor 10.0.0.1 port 70000", 3, "port '70000' is out of range")]
    [InlineData("router bgp 65000\n neighbor 10.0.0.1 remote-as 1\n neighbor 10.0.0.1 ebgp-multihop 0", 3, "out of range (1..255)")]
    [InlineData("router bgp 65000\n address-family ipv4 unicast\n  maximum-paths 65", 3, "maximum-paths '65' is out of range (1..64)")]
    [InlineData("router bgp 65000\n neighbor 10.0.0.1 remote-as 1\n address-family ipv4 unicast\n  neighbor 10.0.0.1 weight 70000", 4, "weight '70000' is out of range")]
    [InlineData("router bgp 65000\n neighbor 10.0.0.1 remote-as 1\n neighbor 10.0.0.1 ttl-security hops 1\n neighbor 10.0.0.1 ebgp-multihop 2", 2, "ttl-security and ebgp-multihop cannot be configured together")]
    [InlineData("router bgp 65000\n bgp graceful-restart restart-time 5000", 2, "restart-time '5000' is out of range (0..4095)")]
    [InlineData("bfd\n profile p\n  detect-multiplier 1", 3, "detect-multiplier '1' is out of range (2..255)")]
    [InlineData("bfd\n profile p\n  echo-mode", 3, "not supported yet: BFD echo mode (echo-mode)")]
    [InlineData("bfd\n peer 10.0.0.1 multihop", 2, "a multihop BFD peer needs local-address")]
    [InlineData("route-map x permit 10\n match foo bar", 2, "unknown command: match foo bar")]
    [InlineData("route-map x permit 10\n set as-path prepend 0", 2, "invalid AS number '0'")]
    [InlineData("route-map x permit 10\n on-match goto 5", 2, "the target must be after this entry")]
    [InlineData("route-map x permit 0", 1, "route-map sequence '0' is out of range")]
    [InlineData("bgp as-path access-list a permit ([", 1, "invalid regular expression")]
    [InlineData("bgp community-list standard c permit 65536:1", 1, "invalid community '65536:1'")]
    [InlineData("hello world", 1, "unknown command: hello world")]
    [InlineData("router bgp 65000\n neighbor g peer-group\n neighbor g remote-as internal\n neighbor 10.0.0.1 peer-group g\n neighbor 10.0.0.1 remote-as 65001", 5, "peer-group member cannot override remote-as of peer-group g")]
    [InlineData("router bgp 65000\n neighbor g peer-group\n neighbor g remote-as internal\n neighbor 10.0.0.1 remote-as 65001\n neighbor 10.0.0.1 peer-group g", 5, "peer with remote-as 65001 cannot be in peer-group g")]
    [InlineData("router bgp 65000\n neighbor 10.0.0.1 remote-as 1\n neighbor 10.0.0.1 frobnicate", 3, "unknown command")]
    [InlineData("router ospf", 1, "not supported yet: router ospf")]
    [InlineData("router bgp 65000 vrf red", 1, "not supported yet: router bgp 65000 vrf red (BGP VRF instances)")]
    [InlineData("router bgp 65000\n address-family ipv4 vpn", 2, "not supported yet: address-family ipv4 vpn")]
    [InlineData("router bgp 65000\n bgp confederation identifier 5", 2, "not supported yet: bgp confederation identifier 5")]
    [InlineData("router bgp 65000\n neighbor 10.0.0.1 remote-as 1\n address-family ipv4 unicast\n  neighbor 10.0.0.1 unsuppress-map x", 4, "not supported yet: neighbor 10.0.0.1 unsuppress-map x")]
    [InlineData("route-map x permit 10\n match ip address 10", 2, "not supported yet: match ip address 10")]
    [InlineData("route-map x permit 10\n set tag 5", 2, "not supported yet: set tag 5")]
    [InlineData("api listen 127.0.0.1:1", 1, "api listen needs TLS")]
    [InlineData("metrics listen localhost", 1, "invalid endpoint")]
    [InlineData("frr defaults fancy", 1, "unknown defaults profile 'fancy'")]
    [InlineData("interface eth0\n ip address 10.0.0.1", 2, "invalid interface address")]
    [InlineData("router bgp 65000\n neighbor 10.0.0.1 remote-as 1\n neighbor 10.0.0.1 timers 10", 3, "incomplete command")]
    public void Errors_name_the_line_and_say_why(string text, int line, string message)
    {
        var e = SingleError(text);
        Assert.Equal("t.conf", e.File);
        Assert.Equal(line, e.Line);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(text.Split('\n')[line - 1].Trim(), e.Command);
        Assert.Contains($"t.conf:{line}: error:", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Undefined_references_are_warnings_as_frr_allows_forward_references()
    {
        var r = ConfigParser.Parse("""
            router bgp 65000
             neighbor 10.0.0.1 remote-as 65001
             neighbor 10.0.0.1 bfd profile nope
             address-family ipv4 unicast
              neighbor 10.0.0.1 route-map later in
              neighbor 10.0.0.1 prefix-list never out
             exit-address-family
            route-map later permit 10
             match community nolist
            """, "t.conf");
        Assert.Empty(r.Errors);
        Assert.NotNull(r.Config);
        Assert.Equal(
            ["t.conf:3: warning: bfd profile 'nope' is not defined (defaults apply) (command: 'neighbor 10.0.0.1 bfd profile nope')",
             "t.conf:6: warning: ip prefix-list 'never' is not defined (command: 'neighbor 10.0.0.1 prefix-list never out')",
             "t.conf:9: warning: community-list 'nolist' is not defined (command: 'match community nolist')"],
            r.Warnings.Select(w => w.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Several_errors_are_all_reported_in_order()
    {
        var r = ConfigParser.Parse("bogus 1\nrouter bgp 65000\n bgp router-id 300.1.1.1\n neighbor x remote-as 1\nip route 10.0.0.0/8\n", "t.conf");
        Assert.Equal([1, 3, 4, 5], r.Errors.Select(e => e.Line));
    }

    [Fact]
    public void Blocks_close_when_a_line_belongs_to_the_parent_as_in_vtysh()
    {
        // No exit lines and no indentation: FRR reads this fine, so do we.
        var r = ConfigParser.Parse("""
            router bgp 65000
            neighbor 10.0.0.1 remote-as 65001
            address-family ipv4 unicast
            neighbor 10.0.0.1 activate
            neighbor 10.0.0.2 remote-as 65002
            route-map a permit 10
            set metric 5
            ip prefix-list p permit 10.0.0.0/8
            bfd
            profile x
            transmit-interval 100
            interface eth0
            description up
            """, "t.conf");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors));
        var b = r.Config!.Bgp!;
        Assert.Equal(["10.0.0.1", "10.0.0.2"], b.Neighbors.Select(n => n.Id));
        Assert.True(b.Neighbors[0].Af(StackBgp.Wire.AddressFamily.Ipv4Unicast).Activate);
        Assert.Equal(100, r.Config.Bfd.Profiles[0].Settings.TransmitInterval);
        Assert.Equal("up", r.Config.Interfaces[0].Description);
    }

    [Fact]
    public void An_unsupported_block_is_one_error_and_parsing_resumes_after_it()
    {
        var r = ConfigParser.Parse("""
            router ospf
             network 10.0.0.0/8 area 0
             passive-interface lo
            exit
            vrf red
             vni 100
            exit-vrf
            line vty
             exec-timeout 0 0
            ipv6 prefix-list x permit ::/0
            """, "t.conf");
        Assert.Equal(["router ospf", "vrf red"], r.Errors.Select(e => e.Command));
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void Prefix_list_sequence_numbers_are_assigned_as_frr_does()
    {
        var c = ConfigParser.Parse("""
            ip prefix-list a seq 2 permit 10.0.0.0/8
            ip prefix-list a seq 7 permit 11.0.0.0/8
            ip prefix-list a permit 12.0.0.0/8
            ip prefix-list b permit 12.0.0.0/8
            ip prefix-list b permit 13.0.0.0/8
            """, "t.conf").Config!;
        Assert.Equal([2, 7, 10], c.Policy.FindPrefixList(StackBgp.Wire.Afi.Ipv4, "a")!.Entries.Select(e => e.Seq));
        Assert.Equal([5, 10], c.Policy.FindPrefixList(StackBgp.Wire.Afi.Ipv4, "b")!.Entries.Select(e => e.Seq));
    }
}

public class SecretTests
{
    [Fact]
    public void Diagnostics_never_quote_a_password()
    {
        string longKey = new('k', 81);
        var r = ConfigParser.Parse($"router bgp 65000\n neighbor 10.0.0.1 remote-as 1\n neighbor 10.0.0.1 password {longKey}\n neighbor 10.0.0.1 password two words", "t.conf");
        Assert.Equal(2, r.Errors.Count);
        Assert.All(r.Errors, e => Assert.DoesNotContain("kkkk", e.ToString(), StringComparison.Ordinal));
        Assert.All(r.Errors, e => Assert.DoesNotContain("words", e.ToString(), StringComparison.Ordinal));
        Assert.Equal("neighbor 10.0.0.1 password <redacted>", r.Errors[0].Command);
    }

    [Fact]
    public void Records_holding_a_password_do_not_print_it()
    {
        var c = ConfigParser.Parse("router bgp 65000\n neighbor 10.0.0.1 remote-as 1\n neighbor 10.0.0.1 password TopSecret", "t.conf").Config!;
        Assert.DoesNotContain("TopSecret", c.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("TopSecret", c.Bgp!.Neighbors[0].ToString(), StringComparison.Ordinal);
        Assert.Equal("TopSecret", c.Bgp.Neighbors[0].Password?.Value);
    }
}
