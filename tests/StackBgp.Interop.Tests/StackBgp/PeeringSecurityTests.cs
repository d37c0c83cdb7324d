using System.Globalization;
using System.Text.Json.Nodes;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 9 points 3 and 4: TCP-MD5 (RFC 2385) with FRR and BIRD, GTSM (RFC 5082) and eBGP multihop with a
/// router namespace between the peers, update-source by address and by interface, and disable-connected-check.
/// </summary>
public sealed class PeeringSecurityTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);
    private const string Secret = "s3cr3t-Md5-key";
    private const string StackNet = "192.0.2.0/24";
    private const string PeerNet = "198.51.100.0/24";

    /// <summary>stackbgpd AS 65001 with one eBGP neighbor and <paramref name="extra"/> neighbor lines ("password X", …).</summary>
    internal static string Stack(string routerId, string neighbor, int peerAs, params string[] extra)
    {
        string family = neighbor.Contains(':', StringComparison.Ordinal) ? "ipv6" : "ipv4";
        string net = family == "ipv6" ? "2001:db8:1::/48" : StackNet;
        string lines = string.Concat(extra.Select(e => $" neighbor {neighbor} {e}\n"));
        return string.Create(CultureInfo.InvariantCulture, $"""
            hostname stackbgp
            router bgp 65001
             bgp router-id {routerId}
             no bgp ebgp-requires-policy
             no bgp default ipv4-unicast
             no bgp network import-check
             neighbor {neighbor} remote-as {peerAs}
             neighbor {neighbor} timers connect 2

            """) + lines + string.Create(CultureInfo.InvariantCulture, $"""
             address-family {family} unicast
              network {net}
              neighbor {neighbor} activate
             exit-address-family
            """) + "\n";
    }

    internal static string Frr(string routerId, string neighbor, int asn, params string[] extra)
    {
        string family = neighbor.Contains(':', StringComparison.Ordinal) ? "ipv6" : "ipv4";
        string net = family == "ipv6" ? "2001:db8:2::/48" : PeerNet;
        string lines = string.Concat(extra.Select(e => $" neighbor {neighbor} {e}\n"));
        return string.Create(CultureInfo.InvariantCulture, $"""
            frr defaults traditional
            hostname peer
            log stdout informational
            router bgp {asn}
             bgp router-id {routerId}
             no bgp ebgp-requires-policy
             no bgp default ipv4-unicast
             no bgp network import-check
             neighbor {neighbor} remote-as 65001
             neighbor {neighbor} timers connect 2

            """) + lines + string.Create(CultureInfo.InvariantCulture, $"""
             address-family {family} unicast
              network {net}
              neighbor {neighbor} activate
             exit-address-family
            !
            """) + "\n";
    }

    private static string Bird(string local, string neighbor, string? password) =>
        string.Create(CultureInfo.InvariantCulture, $$"""
            router id {{local}};
            protocol device {}
            protocol static s4 { ipv4; route {{PeerNet}} blackhole; }
            protocol bgp stack {
              local {{local}} as 65002;
              neighbor {{neighbor}} as 65001;
              connect retry time 2;
              {{(password is null ? "" : $"password \"{password}\";")}}
              ipv4 { import all; export where source = RTS_STATIC; };
            }
            """) + "\n";

    /// <summary>A kernel TCP counter of the namespace (<c>nstat -az</c>), e.g. TcpExtTCPMD5Failure or TcpExtTCPMinTTLDrop.</summary>
    internal static long Counter(NetNs ns, string name)
    {
        foreach (string line in ns.Exec("nstat", "-az", name).Check().Stdout.Split('\n'))
        {
            string[] w = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (w.Length >= 2 && w[0] == name)
            {
                return long.Parse(w[1], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    // ── TCP-MD5 ──

    [Theory]
    [InlineData("frr")]
    [InlineData("bird")]
    public void Md5_right_password_establishes_and_routes_flow(string kind)
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, "10.0.0.1/24", "10.0.0.2/24");
        using StackBgpInstance stack = StackBgpInstance.Start(a, Stack("10.0.0.1", "10.0.0.2", 65002, $"password {Secret}"), output.WriteLine);
        using BgpPeerBase peer = kind == "frr"
            ? (BgpPeerBase)FrrInstance.Start(b, Frr("10.0.0.2", "10.0.0.1", 65002, $"password {Secret}"), log: output.WriteLine)
            : BirdInstance.Start(b, Bird("10.0.0.2", "10.0.0.1", Secret), output.WriteLine);
        output.WriteLine($"TCP-MD5 with {peer.Kind} [{peer.Version}]");

        PeeringTests.WaitStack(stack, "10.0.0.2");
        Poll.Until(() => stack.Paths(PeerNet), p => p.Count > 0, Converge, $"stackbgpd route {PeerNet} from {kind} over the MD5 session");
        if (peer is FrrInstance frr)
        {
            frr.WaitEstablished("10.0.0.1", Converge);
            Poll.Until(() => frr.Paths(StackNet), p => p.Count > 0, Converge, $"FRR route {StackNet} from stackbgpd");
        }
        else if (peer is BirdInstance bird)
        {
            bird.WaitEstablished("stack", Converge);
            Poll.Until(() => bird.Route(StackNet), r => r.Length > 0, Converge, $"BIRD route {StackNet} from stackbgpd");
        }

        // the segments really carry the MD5 option: the kernel verified them (no failure, no unsigned segment)
        Assert.Equal(0, Counter(a, "TcpExtTCPMD5Failure"));
        Assert.Equal(0, Counter(a, "TcpExtTCPMD5NotFound"));
        Assert.False(stack.Output.Contains(Secret, StringComparison.Ordinal), "the MD5 secret must never appear in stackbgpd's log");
    }

    [Theory]
    [InlineData("frr")]
    [InlineData("bird")]
    public void Md5_wrong_password_never_reaches_open_sent_and_the_log_says_why(string kind)
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, "10.0.0.1/24", "10.0.0.2/24");
        using StackBgpInstance stack = StackBgpInstance.Start(a, Stack("10.0.0.1", "10.0.0.2", 65002, $"password {Secret}"), output.WriteLine);
        using BgpPeerBase peer = kind == "frr"
            ? (BgpPeerBase)FrrInstance.Start(b, Frr("10.0.0.2", "10.0.0.1", 65002, "password not-the-secret"), log: output.WriteLine)
            : BirdInstance.Start(b, Bird("10.0.0.2", "10.0.0.1", "not-the-secret"), output.WriteLine);
        output.WriteLine($"TCP-MD5 mismatch with {peer.Kind} [{peer.Version}]");

        // the kernels drop each other's SYNs (wrong signature), and stackbgpd says why its connects get no answer
        Poll.Until(() => Counter(a, "TcpExtTCPMD5Failure") > 0 || Counter(b, "TcpExtTCPMD5Failure") > 0, Converge,
            () => "a TCP-MD5 signature failure counted by either kernel (nstat TcpExtTCPMD5Failure)");
        Poll.Until(() => stack.Output.Contains("TCP-MD5", StringComparison.Ordinal), Converge,
            () => $"a stackbgpd log line naming TCP-MD5 as the reason its connects to 10.0.0.2 get no answer; log:\n{stack.Output}");
        string line = stack.Output.Split('\n').First(l => l.Contains("TCP-MD5", StringComparison.Ordinal));
        output.WriteLine("stackbgpd: " + line);
        Assert.Contains("10.0.0.2", line, StringComparison.Ordinal);

        // never OpenSent: no message ever crossed, on either side
        JsonNode n = stack.CliJson("show bgp neighbors 10.0.0.2 json")["10.0.0.2"]!;
        string state = n["bgpState"]!.GetValue<string>();
        Assert.True(state is "Idle" or "Connect" or "Active", $"stackbgpd's neighbor 10.0.0.2 must stay before OpenSent; seen {n.ToJsonString()}");
        Assert.True(n["connectionsEstablished"]!.GetValue<int>() == 0, $"no session ever Established; seen {n.ToJsonString()}");
        JsonNode summary = stack.CliJson("show bgp summary json");
        Assert.True(summary["ipv4Unicast"]?["peers"]?["10.0.0.2"]?["msgRcvd"]?.GetValue<long>() is null or 0,
            $"stackbgpd received no BGP message from 10.0.0.2; seen {summary.ToJsonString()}");
        if (peer is FrrInstance frr)
        {
            JsonNode fn = frr.BgpNeighbors()["10.0.0.1"]!;
            Assert.True(fn["bgpState"]!.GetValue<string>() is "Idle" or "Connect" or "Active", $"FRR stays before OpenSent; seen {fn.ToJsonString()}");
            Assert.True(fn["messageStats"]?["opensRecv"]?.GetValue<int>() is null or 0, $"FRR received no OPEN; seen {fn["messageStats"]?.ToJsonString()}");
        }
        else if (peer is BirdInstance bird)
        {
            string info = bird.ProtocolInfo("stack");
            Assert.True(info is "Active" or "Connect" or "Idle", $"BIRD stays before OpenSent; seen {info}");
        }

        Assert.False(stack.Output.Contains(Secret, StringComparison.Ordinal), "the MD5 secret must never appear in stackbgpd's log");
    }

    /// <summary>
    /// A passive stackbgpd never connects, so no connect attempt can time out and explain a wrong password: the
    /// kernel's TCP-MD5 drop counters do, named with the neighbor.
    /// </summary>
    [Fact]
    public void A_passive_neighbor_with_a_wrong_md5_password_is_named_in_the_log()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, "10.0.0.1/24", "10.0.0.2/24");
        using StackBgpInstance stack = StackBgpInstance.Start(a, Stack("10.0.0.1", "10.0.0.2", 65002, $"password {Secret}", "passive"), output.WriteLine);
        using FrrInstance frr = FrrInstance.Start(b, Frr("10.0.0.2", "10.0.0.1", 65002, "password not-the-secret"), log: output.WriteLine);
        Poll.Until(() => stack.Output.Split('\n').Any(l => l.Contains("TCP-MD5: the kernel dropped", StringComparison.Ordinal) && l.Contains("10.0.0.2", StringComparison.Ordinal)), Converge,
            () => $"a stackbgpd log line naming TCP-MD5 drops and the passive neighbor 10.0.0.2; counter {Counter(a, "TcpExtTCPMD5Failure")}; log:\n{stack.Output}");
        output.WriteLine("stackbgpd: " + stack.Output.Split('\n').First(l => l.Contains("TCP-MD5: the kernel dropped", StringComparison.Ordinal)));
        Assert.False(stack.Output.Contains(Secret, StringComparison.Ordinal), "the MD5 secret must never appear in stackbgpd's log");
    }

    // ── GTSM, multihop, update-source, connected check ──

    /// <summary>stackbgpd (10.1.0.1, lo 172.16.0.1) — router — FRR (10.2.0.1, lo 172.16.0.2): the peers are two hops apart.</summary>
    private static (NetNs Stack, NetNs Router, NetNs Peer) TwoHops(List<IDisposable> owned)
    {
        NetNs s = NetNs.Create();
        owned.Add(s);
        NetNs r = NetNs.Create();
        owned.Add(r);
        NetNs p = NetNs.Create();
        owned.Add(p);
        Veth left = Veth.Numbered(s, r, "10.1.0.1/24", "10.1.0.2/24");
        Veth right = Veth.Numbered(p, r, "10.2.0.1/24", "10.2.0.2/24");
        s.AddLoopbackAddress("172.16.0.1/32");
        p.AddLoopbackAddress("172.16.0.2/32");
        s.Ip("route", "add", "default", "via", "10.1.0.2");
        p.Ip("route", "add", "default", "via", "10.2.0.2");
        r.Ip("route", "add", "172.16.0.1/32", "via", "10.1.0.1");
        r.Ip("route", "add", "172.16.0.2/32", "via", "10.2.0.1");
        _ = left;
        _ = right;
        Poll.Until(() => s.Exec("ping", "-c", "1", "-W", "1", "10.2.0.1").Succeeded, TimeSpan.FromSeconds(10), () => "10.2.0.1 reachable through the router");
        return (s, r, p);
    }

    [Fact]
    public void Gtsm_refuses_a_peer_two_hops_away_with_hops_1_and_accepts_it_with_hops_2_or_multihop()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs s, _, NetNs p) = TwoHops(owned);
            // FRR accepts two hops (sends with TTL 255), so only stackbgpd's setting decides
            var frr = FrrInstance.Start(p, Frr("10.2.0.1", "10.1.0.1", 65002, "ttl-security hops 2"), log: output.WriteLine);
            owned.Add(frr);

            // ttl-security hops 1: everything from 10.2.0.1 arrives with TTL 254 < 255 and is dropped by the kernel
            long before = PeeringSecurityTests.Counter(s, "TcpExtTCPMinTTLDrop");
            var stack = StackBgpInstance.Start(s, Stack("10.1.0.1", "10.2.0.1", 65002, "ttl-security hops 1"), output.WriteLine);
            owned.Add(stack);
            Poll.Until(() => Counter(s, "TcpExtTCPMinTTLDrop") > before + 2, Converge,
                () => $"stackbgpd's kernel to drop segments from 10.2.0.1 below the GTSM minimum TTL 255 (nstat TcpExtTCPMinTTLDrop); seen {Counter(s, "TcpExtTCPMinTTLDrop")}");
            string st = stack.NeighborState("10.2.0.1");
            Assert.True(st != "Established" && frr.NeighborState("10.1.0.1") != "Established",
                $"no session with a peer two hops away under ttl-security hops 1; stackbgpd {st}, FRR {frr.NeighborState("10.1.0.1")}");
            Assert.Equal(0, stack.CliJson("show bgp neighbors 10.2.0.1 json")["10.2.0.1"]!["connectionsEstablished"]!.GetValue<int>());
            // and the log says why, naming the neighbor (the kernel drops silently)
            Poll.Until(() => stack.Output.Split('\n').Any(l => l.Contains("GTSM: the kernel dropped", StringComparison.Ordinal) && l.Contains("10.2.0.1", StringComparison.Ordinal)), Converge,
                () => $"a stackbgpd log line naming the GTSM drops and neighbor 10.2.0.1; log:\n{stack.Output}");
            stack.Dispose();

            // ttl-security hops 2: accepted
            stack = StackBgpInstance.Start(s, Stack("10.1.0.1", "10.2.0.1", 65002, "ttl-security hops 2"), output.WriteLine);
            owned.Add(stack);
            PeeringTests.WaitStack(stack, "10.2.0.1");
            Poll.Until(() => stack.Paths(PeerNet), x => x.Count > 0, Converge, $"stackbgpd route {PeerNet} over the GTSM session");
            stack.Dispose();
            frr.Dispose();

            // eBGP multihop 2 on both sides (no GTSM): TTL 2 crosses the router
            frr = FrrInstance.Start(p, Frr("10.2.0.1", "10.1.0.1", 65002, "ebgp-multihop 2"), log: output.WriteLine);
            owned.Add(frr);
            stack = StackBgpInstance.Start(s, Stack("10.1.0.1", "10.2.0.1", 65002, "ebgp-multihop 2"), output.WriteLine);
            owned.Add(stack);
            PeeringTests.WaitStack(stack, "10.2.0.1");
            frr.WaitEstablished("10.1.0.1", Converge);
            Poll.Until(() => frr.Paths(StackNet), x => x.Count > 0, Converge, $"FRR route {StackNet} over the multihop session");
        }
        finally
        {
            for (int i = owned.Count - 1; i >= 0; i--)
            {
                owned[i].Dispose();
            }
        }
    }

    [Fact]
    public void Update_source_by_address_and_by_interface_loopback_peering_over_two_hops()
    {
        var owned = new List<IDisposable>();
        try
        {
            (NetNs s, _, NetNs p) = TwoHops(owned);
            var frr = FrrInstance.Start(p, Frr("172.16.0.2", "172.16.0.1", 65002, "ebgp-multihop 3", "update-source 172.16.0.2"), log: output.WriteLine);
            owned.Add(frr);

            // by address: the session runs between the loopbacks
            var stack = StackBgpInstance.Start(s, Stack("172.16.0.1", "172.16.0.2", 65002, "ebgp-multihop 3", "update-source 172.16.0.1"), output.WriteLine);
            owned.Add(stack);
            PeeringTests.WaitStack(stack, "172.16.0.2");
            JsonNode fn = frr.BgpNeighbors()["172.16.0.1"]!;
            Assert.True(fn["hostLocal"]?.GetValue<string>() == "172.16.0.2" && fn["hostForeign"]?.GetValue<string>() == "172.16.0.1",
                $"FRR's session runs loopback to loopback; seen local {fn["hostLocal"]}, foreign {fn["hostForeign"]}");
            Poll.Until(() => frr.Paths(StackNet), x => x.Count > 0, Converge, $"FRR route {StackNet} over the loopback session");
            stack.Dispose();

            // by interface (lo): the source is lo's address
            stack = StackBgpInstance.Start(s, Stack("172.16.0.1", "172.16.0.2", 65002, "ebgp-multihop 3", "update-source lo"), output.WriteLine);
            owned.Add(stack);
            PeeringTests.WaitStack(stack, "172.16.0.2");
            JsonNode sn = stack.CliJson("show bgp neighbors 172.16.0.2 json")["172.16.0.2"]!;
            Assert.True(sn["hostLocal"]?.GetValue<string>() == "172.16.0.1", $"stackbgpd's session leaves from lo's 172.16.0.1; seen {sn.ToJsonString()}");
        }
        finally
        {
            for (int i = owned.Count - 1; i >= 0; i--)
            {
                owned[i].Dispose();
            }
        }
    }

    [Fact]
    public void Disable_connected_check_lets_single_hop_ebgp_run_between_loopbacks()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, "10.0.0.1/24", "10.0.0.2/24");
        a.AddLoopbackAddress("172.16.0.1/32");
        b.AddLoopbackAddress("172.16.0.2/32");
        a.Ip("route", "add", "172.16.0.2/32", "via", "10.0.0.2");
        b.Ip("route", "add", "172.16.0.1/32", "via", "10.0.0.1");

        // without disable-connected-check: 172.16.0.2 is not on a connected network, so single-hop eBGP does not try
        using (StackBgpInstance plain = StackBgpInstance.Start(a, Stack("172.16.0.1", "172.16.0.2", 65002, "update-source lo"), output.WriteLine))
        {
            Poll.Until(() => plain.Output.Contains("172.16.0.2 is not on a directly connected network", StringComparison.Ordinal), Converge,
                () => $"stackbgpd to log that 172.16.0.2 is not on a connected network (single-hop eBGP); log:\n{plain.Output}");
            Assert.NotEqual("Established", plain.NeighborState("172.16.0.2"));
        }

        // with it (both sides, FRR needs it too): single-hop eBGP (TTL 1) between the loopbacks comes up
        using FrrInstance frr = FrrInstance.Start(b, Frr("172.16.0.2", "172.16.0.1", 65002, "update-source lo", "disable-connected-check"), log: output.WriteLine);
        using StackBgpInstance stack = StackBgpInstance.Start(a, Stack("172.16.0.1", "172.16.0.2", 65002, "update-source lo", "disable-connected-check"), output.WriteLine);
        PeeringTests.WaitStack(stack, "172.16.0.2");
        frr.WaitEstablished("172.16.0.1", Converge);
        Poll.Until(() => frr.Paths(StackNet), x => x.Count > 0, Converge, $"FRR route {StackNet} over the loopback session");
    }
}
