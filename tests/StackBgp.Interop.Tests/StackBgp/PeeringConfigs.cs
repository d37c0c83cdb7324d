using System.Globalization;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// The two-namespace peering of issue 3 point 8: StackBgp (AS 65001, 10.0.0.1 / fd00::1) and a peer
/// (10.0.0.2 / fd00::2, AS 65002 over eBGP or 65001 over iBGP), one session per address family, hold
/// time 180 on both sides (so a fast reaction is never the hold timer). Each side announces one IPv4
/// and one IPv6 prefix with its own MED, community and (iBGP) local preference.
/// </summary>
internal static class PeeringConfigs
{
    public const int StackAs = 65001;
    public const string Stack4 = "10.0.0.1";
    public const string Stack6 = "fd00::1";
    public const string Peer4 = "10.0.0.2";
    public const string Peer6 = "fd00::2";

    public const string StackNet4 = "192.0.2.0/24";
    public const string StackNet6 = "2001:db8:1::/48";
    public const string PeerNet4 = "198.51.100.0/24";
    public const string PeerNet6 = "2001:db8:2::/48";

    public const int StackMed = 42;
    public const int StackLocalPref = 250;
    public const int PeerMed = 7;
    public const int PeerLocalPref = 170;

    public static int PeerAs(bool ibgp) => ibgp ? StackAs : 65002;

    public static string StackCommunity => "65001:42";

    public static string PeerCommunity(bool ibgp) => ibgp ? "65001:7" : "65002:7";

    /// <summary>stackbgpd's config (FRR syntax); <paramref name="peerAs"/> and addresses of the other side.</summary>
    public static string StackBgp(int asn, string routerId, string peer4, string peer6, int peerAs, string net4, string net6,
        int med, int localPref, string community) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            hostname stackbgp
            router bgp {asn}
             bgp router-id {routerId}
             no bgp ebgp-requires-policy
             no bgp default ipv4-unicast
             no bgp network import-check
             neighbor {peer4} remote-as {peerAs}
             neighbor {peer4} timers 60 180
             neighbor {peer4} timers connect 2
             neighbor {peer6} remote-as {peerAs}
             neighbor {peer6} timers 60 180
             neighbor {peer6} timers connect 2
             address-family ipv4 unicast
              network {net4}
              neighbor {peer4} activate
              neighbor {peer4} route-map OUT out
             exit-address-family
             address-family ipv6 unicast
              network {net6}
              neighbor {peer6} activate
              neighbor {peer6} route-map OUT out
             exit-address-family
            exit
            route-map OUT permit 10
             set metric {med}
             set local-preference {localPref}
             set community {community}
            exit
            """) + "\n";

    public static string StackSide(bool ibgp) =>
        StackBgp(StackAs, Stack4, Peer4, Peer6, PeerAs(ibgp), StackNet4, StackNet6, StackMed, StackLocalPref, StackCommunity);

    public static string Frr(bool ibgp) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            frr defaults traditional
            hostname peer
            log stdout informational
            router bgp {PeerAs(ibgp)}
             bgp router-id {Peer4}
             no bgp ebgp-requires-policy
             no bgp default ipv4-unicast
             no bgp network import-check
             neighbor {Stack4} remote-as {StackAs}
             neighbor {Stack4} timers 60 180
             neighbor {Stack4} timers connect 2
             neighbor {Stack6} remote-as {StackAs}
             neighbor {Stack6} timers 60 180
             neighbor {Stack6} timers connect 2
             address-family ipv4 unicast
              network {PeerNet4}
              neighbor {Stack4} activate
              neighbor {Stack4} route-map OUT out
             exit-address-family
             address-family ipv6 unicast
              network {PeerNet6}
              neighbor {Stack6} activate
              neighbor {Stack6} route-map OUT out
             exit-address-family
            exit
            route-map OUT permit 10
             set metric {PeerMed}
             set local-preference {PeerLocalPref}
             set community {PeerCommunity(ibgp)}
            exit
            """) + "\n";

    public static string Bird(bool ibgp)
    {
        string[] c = PeerCommunity(ibgp).Split(':');
        string export = string.Create(CultureInfo.InvariantCulture,
            $"export filter {{ if source = RTS_STATIC then {{ bgp_med = {PeerMed}; bgp_local_pref = {PeerLocalPref}; bgp_community.add(({c[0]},{c[1]})); accept; }} reject; }};");
        return string.Create(CultureInfo.InvariantCulture, $$"""
            router id {{Peer4}};
            protocol device {}
            protocol static s4 { ipv4; route {{PeerNet4}} blackhole; }
            protocol static s6 { ipv6; route {{PeerNet6}} blackhole; }
            protocol bgp peer4 {
              local {{Peer4}} as {{PeerAs(ibgp)}};
              neighbor {{Stack4}} as {{StackAs}};
              hold time 180; keepalive time 60; connect retry time 2; {{(ibgp ? "direct;" : "")}}
              ipv4 { import all; {{export}} {{(ibgp ? "next hop self;" : "")}} };
            }
            protocol bgp peer6 {
              local {{Peer6}} as {{PeerAs(ibgp)}};
              neighbor {{Stack6}} as {{StackAs}};
              hold time 180; keepalive time 60; connect retry time 2; {{(ibgp ? "direct;" : "")}}
              ipv6 { import all; {{export}} {{(ibgp ? "next hop self;" : "")}} };
            }
            """) + "\n";
    }

    public static string GoBgp(bool ibgp) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            [global.config]
              as = {PeerAs(ibgp)}
              router-id = "{Peer4}"
              port = 179
            [[neighbors]]
              [neighbors.config]
                neighbor-address = "{Stack4}"
                peer-as = {StackAs}
              [neighbors.timers.config]
                hold-time = 180
                keepalive-interval = 60
                connect-retry = 2
              [[neighbors.afi-safis]]
                [neighbors.afi-safis.config]
                  afi-safi-name = "ipv4-unicast"
            [[neighbors]]
              [neighbors.config]
                neighbor-address = "{Stack6}"
                peer-as = {StackAs}
              [neighbors.timers.config]
                hold-time = 180
                keepalive-interval = 60
                connect-retry = 2
              [[neighbors.afi-safis]]
                [neighbors.afi-safis.config]
                  afi-safi-name = "ipv6-unicast"
            """) + "\n";

    /// <summary>GoBGP's route attributes (CLI words) for the peer's announcements.</summary>
    public static string[] GoBgpAttributes(bool ibgp, bool ipv6)
    {
        var a = new List<string> { "community", PeerCommunity(ibgp), "med", PeerMed.ToString(CultureInfo.InvariantCulture) };
        if (ibgp)
        {
            a.AddRange(["local-pref", PeerLocalPref.ToString(CultureInfo.InvariantCulture)]);
        }

        a.AddRange(["nexthop", ipv6 ? Peer6 : Peer4]);
        return [.. a];
    }
}
