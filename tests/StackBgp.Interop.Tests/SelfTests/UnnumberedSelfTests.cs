using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.SelfTests;

/// <summary>
/// Two FRRs over a veth with only IPv6 link-local addresses (<c>neighbor IF interface</c>, issue 9): the
/// IPv4 route arrives with an IPv6 next hop (RFC 8950) and is installed as <c>via inet6 fe80::… dev IF</c>.
/// </summary>
public sealed class UnnumberedSelfTests(ITestOutputHelper output)
{
    private static string Conf(int asn, string routerId, string net4, string net6) => $"""
        frr defaults datacenter
        router bgp {asn}
         bgp router-id {routerId}
         no bgp ebgp-requires-policy
         no bgp network import-check
         neighbor un0 interface remote-as external
         address-family ipv4 unicast
          network {net4}
         exit-address-family
         address-family ipv6 unicast
          network {net6}
          neighbor un0 activate
         exit-address-family
        exit

        """;

    [Fact]
    public void Frr_unnumbered_session_carries_ipv4_with_ipv6_next_hop_into_the_kernel()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth v = Veth.LinkLocalOnly(a, b, "un0", "un0");
        string llB = v.LinkLocalB();
        Assert.DoesNotContain("inet ", a.Ip("addr", "show", "dev", "un0").Stdout, StringComparison.Ordinal);
        using FrrInstance fa = FrrInstance.Start(a, Conf(65001, "10.255.0.1", "192.0.2.0/24", "2001:db8:a::/48"), log: output.WriteLine);
        using FrrInstance fb = FrrInstance.Start(b, Conf(65002, "10.255.0.2", "198.51.100.0/24", "2001:db8:b::/48"), log: output.WriteLine);

        fa.WaitEstablished("un0");
        string route = Poll.Until(() => a.Ip("route", "show", "198.51.100.0/24").Stdout, r => r.Contains("inet6 fe80", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), $"a kernel route 198.51.100.0/24 via inet6 {llB} dev un0 in {a.Name}");
        Assert.Contains($"via inet6 {llB} dev un0", route, StringComparison.Ordinal);
        Poll.Until(() => a.Ip("-6", "route", "show", "2001:db8:b::/48").Stdout, r => r.Contains($"via {llB} dev un0", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), $"a kernel route 2001:db8:b::/48 via {llB}");
        Poll.Until(() => fb.Paths("192.0.2.0/24").Count, n => n == 1, TimeSpan.FromSeconds(30), "FRR b learns 192.0.2.0/24 over the unnumbered session");
    }
}
