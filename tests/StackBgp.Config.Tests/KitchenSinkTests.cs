using System.Net;
using StackBgp.Policy;
using StackBgp.Wire;
using Xunit;

namespace StackBgp.Config.Tests;

public class KitchenSinkTests
{
    /// <summary>Every command the parser accepts, at least once.</summary>
    internal const string All = """
        ! a comment
        # another comment
        frr version 10.1
        frr defaults datacenter
        hostname leaf-1
        log syslog informational
        service integrated-vtysh-config
        ip route 192.0.2.0/24 10.0.0.1
        ip route 198.51.100.0/24 blackhole 250
        ipv6 route 2001:db8:99::/48 eth0
        ip route 203.0.113.0/24 10.0.0.2 eth1 20
        interface lo
         description node loopback
         ip address 99.99.1.2/32
        exit
        interface eth0
         ipv6 nd ra-interval 10
         no ipv6 nd suppress-ra
        exit
        router bgp 1.10
         bgp router-id 10.0.0.1
         bgp log-neighbor-changes
         bgp graceful-shutdown
         no bgp default ipv4-unicast
         no bgp ebgp-requires-policy
         no bgp network import-check
         bgp cluster-id 10.0.0.100
         bgp bestpath as-path multipath-relax
         bgp bestpath as-path ignore
         bgp bestpath compare-routerid
         bgp always-compare-med
         bgp deterministic-med
         bgp bestpath med missing-as-worst
         bgp graceful-restart
         bgp graceful-restart restart-time 90
         bgp graceful-restart stalepath-time 300
         bgp graceful-restart preserve-fw-state
         bgp long-lived-graceful-restart stale-time 3600
         timers bgp 10 30
         bgp default local-preference 150
         coalesce-time 1000
         neighbor fabric peer-group
         neighbor fabric remote-as external
         neighbor fabric timers connect 5
         neighbor fabric capability extended-nexthop
         neighbor rack peer-group
         neighbor rack remote-as internal
         bgp listen range 100.64.0.0/16 peer-group rack
         bgp listen limit 200
         neighbor swp1 interface remote-as external
         neighbor swp2 interface v6only peer-group fabric
         neighbor 192.0.2.1 remote-as 65001
         neighbor 192.0.2.1 description AWS Direct Connect  (primary)
         neighbor 192.0.2.1 timers 3 9
         neighbor 192.0.2.1 passive
         neighbor 192.0.2.1 update-source 10.0.0.1
         neighbor 192.0.2.1 ebgp-multihop 3
         neighbor 192.0.2.1 shutdown message maintenance window 42
         neighbor 192.0.2.1 port 1179
         neighbor 192.0.2.1 password Md5-Secret!
         neighbor 192.0.2.1 disable-connected-check
         neighbor 192.0.2.1 bfd
         neighbor 192.0.2.1 bfd check-control-plane-failure
         neighbor 192.0.2.1 graceful-restart-helper
         neighbor 192.0.2.1 advertisement-interval 5
         neighbor 192.0.2.1 local-as 65100 no-prepend replace-as
         neighbor 192.0.2.1 solo
         neighbor 192.0.2.1 enforce-first-as
         neighbor 2001:db8::2 remote-as 4200000000
         neighbor 2001:db8::2 ttl-security hops 2
         neighbor 2001:db8::2 update-source lo
         neighbor 2001:db8::2 graceful-restart-disable
         neighbor 10.1.1.1 peer-group rack
         neighbor 10.1.1.1 graceful-restart
         address-family ipv4 unicast
          network 10.10.0.0/16
          network 10.20.0.0/16 route-map set-comm
          redistribute connected route-map only-lo
          redistribute static metric 20
          redistribute kernel
          maximum-paths 8
          maximum-paths ibgp 4
          aggregate-address 10.0.0.0/8 summary-only as-set
          neighbor fabric activate
          neighbor rack activate
          neighbor rack route-reflector-client
          neighbor rack next-hop-self force
          neighbor rack default-originate route-map dflt
          neighbor swp1 activate
          neighbor 192.0.2.1 activate
          neighbor 192.0.2.1 route-map aws-in in
          neighbor 192.0.2.1 route-map aws-out out
          neighbor 192.0.2.1 prefix-list pl-in in
          neighbor 192.0.2.1 filter-list aspl in
          neighbor 192.0.2.1 allowas-in 2
          neighbor 192.0.2.1 soft-reconfiguration inbound
          neighbor 192.0.2.1 maximum-prefix 1000 80 restart 5
          neighbor 192.0.2.1 remove-private-AS all
          neighbor 192.0.2.1 as-override
          neighbor 192.0.2.1 attribute-unchanged next-hop
          neighbor 192.0.2.1 weight 100
          neighbor 192.0.2.1 addpath-tx-all-paths
          no neighbor 192.0.2.1 send-community large
          neighbor 10.1.1.1 next-hop-self
          neighbor 10.1.1.1 maximum-prefix 500 warning-only
          neighbor 10.1.1.1 send-community extended
          neighbor 10.1.1.1 default-originate
         exit-address-family
         address-family ipv6 unicast
          network 2001:db8:1::/48
          neighbor 2001:db8::2 activate
          neighbor swp2 activate
          neighbor swp2 allowas-in
         exit-address-family
        exit
        bgp as-path access-list aspl permit ^65001_
        bgp as-path access-list aspl seq 20 deny _6500[0-9]$
        bgp community-list standard keep permit 65001:100 no-export
        bgp community-list standard keep deny internet
        bgp community-list expanded scrub seq 10 permit ^65001:.*
        bgp community-list 1 permit 65000:1
        bgp community-list 100 permit 65000:.*
        bgp large-community-list standard lc permit 65001:1:2
        bgp large-community-list expanded lcx permit ^65001:
        bgp extcommunity-list standard ext permit rt 65001:10 soo 10.0.0.1:5
        ip prefix-list pl-in seq 10 permit 10.0.0.0/8 le 24
        ip prefix-list pl-in deny any
        ip prefix-list only-lo permit 99.99.0.0/16 ge 32 le 32
        ipv6 prefix-list v6 permit 2001:db8::/32 ge 48 le 64
        route-map aws-in permit 10
         description tag routes from AWS
         match ip address prefix-list pl-in
         match community keep exact-match
         match large-community lc
         match extcommunity ext
         match as-path aspl
         match local-preference 100
         match metric 5
         match origin igp
         match peer 192.0.2.1
         match ip next-hop address 192.0.2.1
         set local-preference 200
         set metric +10
         set weight 50
         set origin incomplete
         set community 65001:1 no-export additive
         set large-community 65001:0:1 additive
         set extcommunity rt 65001:99
         set as-path prepend 65001 65001
         set ip next-hop peer-address
         on-match goto 30
        route-map aws-in permit 20
         match ip next-hop prefix-list pl-in
         set comm-list scrub delete
         set large-comm-list lcx delete
         set as-path prepend last-as 2
         set metric -5
         continue
        route-map aws-in deny 30
         match source-protocol static
         match interface eth0
         call aws-out
        route-map aws-out permit 10
         set community none
         set ipv6 next-hop global 2001:db8::1
         set ip next-hop 10.0.0.1
         set as-path exclude 65002
         set large-community none
        route-map aws-out permit 20
         set ipv6 next-hop peer-address
         on-match next
        route-map set-comm permit 10
         set community 65000:5
        route-map only-lo permit 10
         match interface lo
        route-map dflt permit 10
         set metric 0
        ip protocol bgp route-map only-lo
        ipv6 nht resolve-via-default
        ip nht resolve-via-default
        bfd
         profile fast
          detect-multiplier 3
          transmit-interval 50
          receive-interval 50
          passive-mode
          minimum-ttl 250
          no shutdown
         exit
         peer 192.0.2.1 multihop local-address 10.0.0.1
          profile fast
          shutdown
         exit
         peer fe80::1 interface eth0
          detect-multiplier 5
         exit
        exit
        line vty
         exec-timeout 0 0
        exit
        api socket /run/stackbgp/api.sock
        api listen 127.0.0.1:50051 tls cert /etc/stackbgp/tls.crt key /etc/stackbgp/tls.key
        metrics listen [::1]:9179
        fib keep-on-exit
        fib sweep-time 60
        fib protocol 186
        no zebra nexthop kernel enable
        end
        """;

    [Fact]
    public void Every_supported_command_parses_without_errors_or_warnings()
    {
        var r = ConfigParser.Parse(All, "all.conf");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors));
        Assert.True(r.Warnings.Count == 0, string.Join("\n", r.Warnings));
    }

    [Fact]
    public void Every_supported_command_round_trips_and_prints_stably()
    {
        var c1 = ConfigParser.Parse(All, "all.conf").Config!;
        string p1 = ConfigPrinter.Print(c1);
        var r2 = ConfigParser.Parse(p1, "printed.conf");
        Assert.True(r2.Errors.Count == 0, string.Join("\n", r2.Errors) + "\n" + p1);
        Assert.Equal(c1, r2.Config);
        Assert.Equal(p1, ConfigPrinter.Print(r2.Config!));
    }

    [Fact]
    public void Model_holds_the_details()
    {
        var c = ConfigParser.Parse(All, "all.conf").Config!;
        var b = c.Bgp!;
        Assert.Equal((1u << 16) | 10u, b.Asn);
        Assert.Equal((10, 30), b.Timers);
        Assert.Equal([new ListenRange(Prefix.Parse("100.64.0.0/16"), "rack")], b.ListenRanges);
        var aws = b.Effective(b.FindNeighbor("192.0.2.1")!, c.TimerDefaults);
        Assert.Equal("AWS Direct Connect (primary)", aws.Description);
        Assert.Equal("Md5-Secret!", aws.Password?.Value);
        Assert.DoesNotContain("Md5-Secret!", aws.ToString(), StringComparison.Ordinal);
        Assert.Equal("maintenance window 42", aws.ShutdownMessage);
        Assert.Equal(3, aws.EbgpMultihop);
        Assert.Equal(1179, aws.Port);
        Assert.Equal((3, 9), (aws.KeepAlive, aws.Hold));
        Assert.Equal(10, aws.ConnectRetry); // datacenter default
        var af = aws.Families[AddressFamily.Ipv4Unicast];
        Assert.True(af.Activated);
        Assert.Equal(CommunityKinds.Standard | CommunityKinds.Extended, af.SendCommunity);
        Assert.Equal(new MaximumPrefixSpec(1000, 80, false, 5), af.MaximumPrefix);
        Assert.False(aws.Families[AddressFamily.Ipv6Unicast].Activated);

        // Member of "rack" with its own overrides; group settings fill the rest.
        var member = b.Effective(b.FindNeighbor("10.1.1.1")!, c.TimerDefaults);
        Assert.Equal(RemoteAsKind.Internal, member.RemoteAs!.Kind);
        Assert.Equal(GracefulRestartMode.Enabled, member.GracefulRestart);
        var maf = member.Families[AddressFamily.Ipv4Unicast];
        Assert.True(maf.RouteReflectorClient);
        Assert.Equal(NextHopSelfMode.On, maf.NextHopSelf);         // own value beats the group's "force"
        Assert.Equal(new DefaultOriginateSpec(null), maf.DefaultOriginate); // own value beats the group's route-map
        Assert.Equal((10, 30), (member.KeepAlive, member.Hold));   // timers bgp

        var swp2 = b.Effective(b.FindNeighbor("swp2")!, c.TimerDefaults);
        Assert.True(swp2.InterfaceV6Only);
        Assert.Equal(RemoteAsKind.External, swp2.RemoteAs!.Kind);
        Assert.Equal(5, swp2.ConnectRetry);
        Assert.Equal(new AllowAsInSpec(3, false), swp2.Families[AddressFamily.Ipv6Unicast].AllowAsIn);

        var rm = c.Policy.FindRouteMap("aws-in")!;
        Assert.Equal(10, rm.Entries[0].Matches.Count);
        Assert.Equal(ExitPolicy.Goto, rm.Entries[0].OnMatch);
        Assert.Equal(30, rm.Entries[0].GotoSeq);
        Assert.Equal(ExitPolicy.Next, rm.Entries[1].OnMatch);
        Assert.Equal("aws-out", rm.Entries[2].Call);
        Assert.Equal([10, 15], c.Policy.FindPrefixList(Afi.Ipv4, "pl-in")!.Entries.Select(e => e.Seq).Order());
        Assert.Equal(CommunityListStyle.Expanded, c.Policy.FindCommunityList("100")!.Style);
        var peer = c.Bfd.Peers[0];
        Assert.True(peer.Multihop);
        Assert.Equal("fast", peer.Profile);
        Assert.Equal(new ApiConfig("/run/stackbgp/api.sock", "127.0.0.1:50051", "/etc/stackbgp/tls.crt", "/etc/stackbgp/tls.key"), c.Api);
        Assert.Equal(new FibConfig { KeepOnExit = true, SweepTimeSeconds = 60, Protocol = 186, KernelNexthops = false }, c.Fib);
        Assert.Equal(new StaticRoute(Prefix.Parse("203.0.113.0/24"), IPAddress.Parse("10.0.0.2"), "eth1", false, 20), c.StaticRoutes[3]);
    }
}
