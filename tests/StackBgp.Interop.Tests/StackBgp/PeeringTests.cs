using System.Text.Json.Nodes;
using StackBgp.Interop.Tests.Lab;
using Xunit;
using Xunit.Abstractions;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// Issue 3 point 8: stackbgpd against FRR 8.4, BIRD 2 and GoBGP 3, over eBGP and over iBGP. Sessions,
/// IPv4 and IPv6 routes both ways with their attributes (checked in both CLIs), a peer restart, and
/// StackBgp's SIGTERM making the peer drop its routes at once (hold time 180, so not the hold timer).
/// </summary>
public sealed class PeeringTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);

    /// <summary>Well below the 180 s hold time: only a NOTIFICATION / TCP close explains the drop.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData("frr", false)]
    [InlineData("frr", true)]
    [InlineData("bird", false)]
    [InlineData("bird", true)]
    [InlineData("gobgp", false)]
    [InlineData("gobgp", true)]
    public void Sessions_routes_attributes_restart_and_sigterm(string kind, bool ibgp)
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, PeeringConfigs.Stack4 + "/24", PeeringConfigs.Peer4 + "/24", PeeringConfigs.Stack6 + "/64", PeeringConfigs.Peer6 + "/64");
        WaitIpv6Ready(a, b);
        using StackBgpInstance stack = StackBgpInstance.Start(a, PeeringConfigs.StackSide(ibgp), output.WriteLine);
        using var peer = new PeerUnderTest(kind, b, ibgp, output.WriteLine);
        output.WriteLine($"{kind} {(ibgp ? "iBGP" : "eBGP")}: {peer.Daemon.Version}");

        ExchangeAndCheck(stack, peer, ibgp);

        // the peer restarts: the sessions come back and the routes flow again
        peer.Restart();
        ExchangeAndCheck(stack, peer, ibgp);

        // StackBgp stops gracefully: the peer drops its routes at once (NOTIFICATION / close, not hold time)
        stack.Terminate(TimeSpan.FromSeconds(10));
        foreach (string prefix in new[] { PeeringConfigs.StackNet4, PeeringConfigs.StackNet6 })
        {
            Poll.Until(() => !peer.HasRoute(prefix), Prompt,
                () => $"{kind} to drop {prefix} within {Prompt.TotalSeconds} s of stackbgpd's SIGTERM (hold time 180); seen:\n{peer.RouteText(prefix)}\nstackbgpd:\n{stack.Output}");
        }
    }

    [Fact]
    public void Two_stackbgpd_instances_peer_and_exchange_routes()
    {
        using NetNs a = NetNs.Create();
        using NetNs b = NetNs.Create();
        Veth.Numbered(a, b, PeeringConfigs.Stack4 + "/24", PeeringConfigs.Peer4 + "/24", PeeringConfigs.Stack6 + "/64", PeeringConfigs.Peer6 + "/64");
        WaitIpv6Ready(a, b);
        using StackBgpInstance s1 = StackBgpInstance.Start(a, PeeringConfigs.StackSide(ibgp: false), output.WriteLine);
        using StackBgpInstance s2 = StackBgpInstance.Start(b, PeeringConfigs.StackBgp(65002, PeeringConfigs.Peer4, PeeringConfigs.Stack4, PeeringConfigs.Stack6,
            PeeringConfigs.StackAs, PeeringConfigs.PeerNet4, PeeringConfigs.PeerNet6, PeeringConfigs.PeerMed, PeeringConfigs.PeerLocalPref, "65002:7"), output.WriteLine);
        s1.WaitEstablished(PeeringConfigs.Peer4, Converge);
        s1.WaitEstablished(PeeringConfigs.Peer6, Converge);
        s2.WaitEstablished(PeeringConfigs.Stack4, Converge);
        s2.WaitEstablished(PeeringConfigs.Stack6, Converge);
        AssertStackPath(s1, PeeringConfigs.PeerNet4, "65002", PeeringConfigs.Peer4, PeeringConfigs.PeerMed, "65002:7", null);
        AssertStackPath(s1, PeeringConfigs.PeerNet6, "65002", PeeringConfigs.Peer6, PeeringConfigs.PeerMed, "65002:7", null);
        AssertStackPath(s2, PeeringConfigs.StackNet4, "65001", PeeringConfigs.Stack4, PeeringConfigs.StackMed, PeeringConfigs.StackCommunity, null);
        AssertStackPath(s2, PeeringConfigs.StackNet6, "65001", PeeringConfigs.Stack6, PeeringConfigs.StackMed, PeeringConfigs.StackCommunity, null);

        s1.Terminate(TimeSpan.FromSeconds(10));
        Poll.Until(() => s2.Paths(PeeringConfigs.StackNet4).Count == 0 && s2.Paths(PeeringConfigs.StackNet6).Count == 0, Prompt,
            () => $"the second stackbgpd to drop the first one's routes after its SIGTERM; seen {s2.Paths(PeeringConfigs.StackNet4).ToJsonString()}");
    }

    private void ExchangeAndCheck(StackBgpInstance stack, PeerUnderTest peer, bool ibgp)
    {
        WaitStack(stack, PeeringConfigs.Peer4);
        WaitStack(stack, PeeringConfigs.Peer6);
        peer.WaitEstablished(Converge);

        // the peer's routes in StackBgp's CLI
        string asPath = ibgp ? "" : "65002";
        int? lp = ibgp ? PeeringConfigs.PeerLocalPref : null;
        AssertStackPath(stack, PeeringConfigs.PeerNet4, asPath, PeeringConfigs.Peer4, PeeringConfigs.PeerMed, PeeringConfigs.PeerCommunity(ibgp), lp);
        AssertStackPath(stack, PeeringConfigs.PeerNet6, asPath, PeeringConfigs.Peer6, PeeringConfigs.PeerMed, PeeringConfigs.PeerCommunity(ibgp), lp);

        // StackBgp's routes in the peer's CLI
        peer.AssertLearnedFromStack(PeeringConfigs.StackNet4, PeeringConfigs.Stack4, Converge);
        peer.AssertLearnedFromStack(PeeringConfigs.StackNet6, PeeringConfigs.Stack6, Converge);
    }

    /// <summary>Waits for Established; the failure carries stackbgpd's neighbor JSON and the end of its log.</summary>
    internal static void WaitStack(StackBgpInstance stack, string neighbor)
    {
        try
        {
            stack.WaitEstablished(neighbor, Converge);
        }
        catch (TimeoutException e)
        {
            string n = stack.CliJson($"show bgp neighbors {neighbor} json").ToJsonString();
            string[] log = stack.Output.Split('\n');
            throw new TimeoutException($"{e.Message}\nstackbgpd 'show bgp neighbors {neighbor} json': {n}\nstackbgpd log (last 80 lines):\n{string.Join('\n', log[Math.Max(0, log.Length - 80)..])}", e);
        }
    }

    /// <summary>StackBgp's view (FRR's JSON shapes): table entry for AS path, next hop, MED, local preference; the prefix view for communities.</summary>
    internal static void AssertStackPath(StackBgpInstance stack, string prefix, string asPath, string nextHop, int med, string community, int? localPref)
    {
        JsonArray paths = Poll.Until(() => stack.Paths(prefix), p => p.Count > 0, Converge, $"stackbgpd path for {prefix}");
        JsonNode p = paths[0]!;
        string seen = paths.ToJsonString();
        Assert.True(p["path"]?.GetValue<string>() == asPath, $"expected AS path '{asPath}' for {prefix}; seen {seen}");
        Assert.True(p["nexthops"]?.AsArray().Any(h => h?["ip"]?.GetValue<string>() == nextHop) == true, $"expected next hop {nextHop} for {prefix}; seen {seen}");
        Assert.True(p["metric"]?.GetValue<long>() == med, $"expected MED {med} for {prefix}; seen {seen}");
        if (localPref is int lp)
        {
            Assert.True(p["locPrf"]?.GetValue<long>() == lp, $"expected local preference {lp} for {prefix}; seen {seen}");
        }

        string afi = prefix.Contains(':', StringComparison.Ordinal) ? "ipv6" : "ipv4";
        JsonNode detail = stack.CliJson($"show bgp {afi} unicast {prefix} json");
        string detailText = detail.ToJsonString();
        Assert.True(detail["paths"]?.AsArray().Any(x => x?["community"]?["string"]?.GetValue<string>() == community) == true,
            $"expected community {community} on {prefix} in 'show bgp {afi} unicast {prefix} json'; seen {detailText}");
    }

    /// <summary>Waits until duplicate address detection is over on both sides (tentative addresses cannot be bound).</summary>
    internal static void WaitIpv6Ready(params NetNs[] namespaces)
    {
        foreach (NetNs ns in namespaces)
        {
            Poll.Until(() => ns.Ip("-6", "addr", "show").Stdout, s => !s.Contains("tentative", StringComparison.Ordinal), TimeSpan.FromSeconds(10),
                $"no tentative IPv6 address in {ns.Name}");
        }
    }
}
