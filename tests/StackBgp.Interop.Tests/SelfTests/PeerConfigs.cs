using System.Globalization;

namespace StackBgp.Interop.Tests.SelfTests;

/// <summary>Small eBGP configurations for the harness self-tests: one IPv4 and one IPv6 session per pair.</summary>
internal static class PeerConfigs
{
    public static string Frr(string name, int asn, string routerId, string peer4, string peer6, int peerAs, string net4, string net6) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            frr defaults datacenter
            hostname {name}
            log stdout informational
            router bgp {asn}
             bgp router-id {routerId}
             no bgp ebgp-requires-policy
             no bgp default ipv4-unicast
             no bgp network import-check
             neighbor {peer4} remote-as {peerAs}
             neighbor {peer4} timers 3 9
             neighbor {peer4} timers connect 2
             neighbor {peer6} remote-as {peerAs}
             neighbor {peer6} timers 3 9
             neighbor {peer6} timers connect 2
             address-family ipv4 unicast
              network {net4}
              neighbor {peer4} activate
             exit-address-family
             address-family ipv6 unicast
              network {net6}
              neighbor {peer6} activate
             exit-address-family
            exit
            """) + "\n";

    public static string Bird(int asn, string routerId, string local4, string peer4, string local6, string peer6, int peerAs, string net4, string net6) =>
        string.Create(CultureInfo.InvariantCulture, $$"""
            router id {{routerId}};
            protocol device {}
            protocol static s4 { ipv4; route {{net4}} blackhole; }
            protocol static s6 { ipv6; route {{net6}} blackhole; }
            protocol bgp peer4 {
              local {{local4}} as {{asn}};
              neighbor {{peer4}} as {{peerAs}};
              hold time 9; keepalive time 3; connect retry time 2;
              ipv4 { import all; export all; };
            }
            protocol bgp peer6 {
              local {{local6}} as {{asn}};
              neighbor {{peer6}} as {{peerAs}};
              hold time 9; keepalive time 3; connect retry time 2;
              ipv6 { import all; export all; };
            }
            """) + "\n";

    public static string GoBgp(int asn, string routerId, string peer4, string peer6, int peerAs) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            [global.config]
              as = {asn}
              router-id = "{routerId}"
            [[neighbors]]
              [neighbors.config]
                neighbor-address = "{peer4}"
                peer-as = {peerAs}
              [neighbors.timers.config]
                hold-time = 9
                keepalive-interval = 3
                connect-retry = 2
              [[neighbors.afi-safis]]
                [neighbors.afi-safis.config]
                  afi-safi-name = "ipv4-unicast"
            [[neighbors]]
              [neighbors.config]
                neighbor-address = "{peer6}"
                peer-as = {peerAs}
              [neighbors.timers.config]
                hold-time = 9
                keepalive-interval = 3
                connect-retry = 2
              [[neighbors.afi-safis]]
                [neighbors.afi-safis.config]
                  afi-safi-name = "ipv6-unicast"
            """) + "\n";
}
