namespace StackBgp.Config.Tests;

/// <summary>The FRR configuration Red Hat OpenStack renders on every node (../shared/design/RHOSP.md) and its variants.</summary>
internal static class RhospConfigs
{
    public const string Render = """
        frr version 8.1
        frr defaults traditional
        hostname cmp-1-0
        log file /var/log/frr/frr.log informational
        service integrated-vtysh-config
        router bgp 64999
          bgp router-id 99.99.1.2
          bgp log-neighbor-changes
          bgp graceful-shutdown
          no bgp default ipv4-unicast
          no bgp ebgp-requires-policy
          neighbor uplink peer-group
          neighbor uplink remote-as internal
          neighbor uplink bfd
          neighbor uplink bfd profile tripleo
          neighbor enp2s0 interface peer-group uplink
          neighbor enp3s0 interface peer-group uplink
          neighbor uplink ttl-security hops 1
          address-family ipv4 unicast
            redistribute connected
            neighbor uplink activate
            neighbor uplink prefix-list only-host-prefixes out
            neighbor uplink allowas-in origin
          exit-address-family
          address-family ipv6 unicast
            redistribute connected
            neighbor uplink activate
            neighbor uplink prefix-list only-host-prefixes out
          exit-address-family
        ip prefix-list only-default permit 0.0.0.0/0
        ip prefix-list only-host-prefixes permit 0.0.0.0/0 ge 32
        route-map rm-only-default permit 10
          match ip address prefix-list only-default
          set src 99.99.1.2
        ip protocol bgp route-map rm-only-default
        ipv6 prefix-list only-default permit ::/0
        ipv6 prefix-list only-host-prefixes permit ::/0 ge 128
        route-map rm-only-default permit 11
          match ipv6 address prefix-list only-default
          set src f00d:f00d:f00d:f00d:f00d:f00d:f00d:0012
        ipv6 protocol bgp route-map rm-only-default
        ip nht resolve-via-default
        bfd
          profile tripleo
            detect-multiplier 3
            transmit-interval 300
            receive-interval 300
        """;

    /// <summary>Numbered peers instead of interfaces.</summary>
    public static string Numbered => Render
        .Replace("neighbor enp2s0 interface peer-group uplink", "neighbor 100.64.1.1 peer-group uplink", StringComparison.Ordinal)
        .Replace("neighbor enp3s0 interface peer-group uplink", "neighbor 100.65.1.1 peer-group uplink", StringComparison.Ordinal);

    /// <summary>eBGP leaves, MD5, fast timers, fast connect retry, RHOSO BFD 10 x 500 ms.</summary>
    public static string Variants => Render
        .Replace("neighbor uplink remote-as internal", """
                   neighbor uplink remote-as external
                   neighbor uplink password s3cr3t-Key
                   neighbor uplink timers 1 3
                   neighbor uplink timers connect 5
                 """, StringComparison.Ordinal)
        .Replace("detect-multiplier 3", "detect-multiplier 10", StringComparison.Ordinal)
        .Replace("transmit-interval 300", "transmit-interval 500", StringComparison.Ordinal)
        .Replace("receive-interval 300", "receive-interval 500", StringComparison.Ordinal);

    /// <summary>The render with EVPN enabled (off by default in RHOSP).</summary>
    public static string WithEvpn => Render.Replace("ip prefix-list only-default permit 0.0.0.0/0", """
          address-family l2vpn evpn
            neighbor uplink activate
            advertise-all-vni
            advertise-svi-ip
          exit-address-family
        ip prefix-list only-default permit 0.0.0.0/0
        """, StringComparison.Ordinal);
}
