using System.Globalization;
using System.Text.Json.Nodes;
using StackBgp.Interop.Tests.Lab;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>
/// One of FRR / BIRD / GoBGP as StackBgp's peer in <see cref="PeeringTests"/>: starts with
/// <see cref="PeeringConfigs"/>, reports session state and what it learned from StackBgp, and restarts.
/// </summary>
internal sealed class PeerUnderTest : IDisposable
{
    private readonly NetNs _ns;
    private readonly bool _ibgp;
    private readonly Action<string> _log;
    private BgpPeerBase _daemon;

    public PeerUnderTest(string kind, NetNs ns, bool ibgp, Action<string> log)
    {
        Kind = kind;
        _ns = ns;
        _ibgp = ibgp;
        _log = log;
        _daemon = Launch();
    }

    public string Kind { get; }

    public BgpPeerBase Daemon => _daemon;

    private BgpPeerBase Launch()
    {
        switch (Kind)
        {
            case "frr":
                return FrrInstance.Start(_ns, PeeringConfigs.Frr(_ibgp), log: _log);
            case "bird":
                return BirdInstance.Start(_ns, PeeringConfigs.Bird(_ibgp), _log);
            case "gobgp":
                GoBgpInstance g = GoBgpInstance.Start(_ns, PeeringConfigs.GoBgp(_ibgp), log: _log);
                g.AddRoute(PeeringConfigs.PeerNet4, PeeringConfigs.GoBgpAttributes(_ibgp, ipv6: false));
                g.AddRoute(PeeringConfigs.PeerNet6, PeeringConfigs.GoBgpAttributes(_ibgp, ipv6: true));
                return g;
            default:
                throw new ArgumentException(Kind, nameof(Kind));
        }
    }

    /// <summary>Stops the peer daemon (SIGTERM) and starts it again with the same config.</summary>
    public void Restart()
    {
        _daemon.Dispose();
        _daemon = Launch();
    }

    /// <summary>Both sessions (IPv4 and IPv6) Established as the peer sees them.</summary>
    public void WaitEstablished(TimeSpan timeout)
    {
        switch (_daemon)
        {
            case FrrInstance f:
                f.WaitEstablished(PeeringConfigs.Stack4, timeout);
                f.WaitEstablished(PeeringConfigs.Stack6, timeout);
                break;
            case BirdInstance b:
                b.WaitEstablished("peer4", timeout);
                b.WaitEstablished("peer6", timeout);
                break;
            case GoBgpInstance g:
                g.WaitEstablished(PeeringConfigs.Stack4, timeout);
                g.WaitEstablished(PeeringConfigs.Stack6, timeout);
                break;
        }
    }

    /// <summary>A text the peer's own CLI prints for its route to <paramref name="prefix"/> ("" when it has none).</summary>
    public string RouteText(string prefix) => _daemon switch
    {
        FrrInstance f => f.Paths(prefix).Count == 0 ? "" : f.VtyshJson($"show bgp {Afi(prefix)} unicast {prefix} json").ToJsonString(),
        BirdInstance b => b.Route(prefix),
        GoBgpInstance g => g.Paths(prefix).Count == 0 ? "" : g.Paths(prefix).ToJsonString(),
        _ => "",
    };

    public bool HasRoute(string prefix) => RouteText(prefix).Length > 0;

    /// <summary>
    /// Fails unless the peer holds StackBgp's route with AS path (65001 over eBGP, empty over iBGP), next hop
    /// StackBgp's address, MED 42, community 65001:42 and, over iBGP, local preference 250 — each read in
    /// the peer's own CLI output.
    /// </summary>
    public void AssertLearnedFromStack(string prefix, string nextHop, TimeSpan timeout)
    {
        string asPath = _ibgp ? "" : "65001";
        string med = PeeringConfigs.StackMed.ToString(CultureInfo.InvariantCulture);
        string lp = PeeringConfigs.StackLocalPref.ToString(CultureInfo.InvariantCulture);
        switch (_daemon)
        {
            case FrrInstance f:
            {
                JsonNode path = Poll.Until(() => FrrFirstPath(f, prefix), p => p is not null, timeout, $"FRR path for {prefix}")!;
                string seen = path.ToJsonString();
                Check(path["aspath"]?["string"]?.GetValue<string>() == (asPath.Length == 0 ? "Local" : asPath), $"FRR AS path '{asPath}' for {prefix}", seen);
                Check(path["nexthops"]?.AsArray().Any(h => h?["ip"]?.GetValue<string>() == nextHop) == true, $"FRR next hop {nextHop}", seen);
                Check(path["metric"]?.GetValue<int>() == PeeringConfigs.StackMed, $"FRR MED {med}", seen);
                Check(path["community"]?["string"]?.GetValue<string>() == PeeringConfigs.StackCommunity, "FRR community 65001:42", seen);
                if (_ibgp)
                {
                    Check(path["locPrf"]?.GetValue<int>() == PeeringConfigs.StackLocalPref, $"FRR local preference {lp}", seen);
                }

                break;
            }

            case BirdInstance b:
            {
                string r = Poll.Until(() => b.Route(prefix), s => s.Length > 0, timeout, $"BIRD route {prefix}");
                string birdPath = r.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("BGP.as_path:", StringComparison.Ordinal))?["BGP.as_path:".Length..].Trim() ?? "(none)";
                Check(birdPath == asPath, $"BIRD AS path '{asPath}'", r);
                Check(r.Contains("BGP.next_hop: " + nextHop, StringComparison.Ordinal), $"BIRD next hop {nextHop}", r);
                Check(r.Contains("BGP.med: " + med, StringComparison.Ordinal), $"BIRD MED {med}", r);
                Check(r.Contains("BGP.community: (65001,42)", StringComparison.Ordinal), "BIRD community (65001,42)", r);
                if (_ibgp)
                {
                    Check(r.Contains("BGP.local_pref: " + lp, StringComparison.Ordinal), $"BIRD local_pref {lp}", r);
                }

                break;
            }

            case GoBgpInstance g:
            {
                JsonArray paths = Poll.Until(() => g.Paths(prefix), p => p.Count > 0, timeout, $"GoBGP path for {prefix}");
                JsonArray attrs = paths[0]!["attrs"]!.AsArray();
                string seen = paths.ToJsonString();
                JsonNode? Attr(int type) => attrs.FirstOrDefault(a => a?["type"]?.GetValue<int>() == type);
                string gobgpPath = string.Join(" ", Attr(2)?["as_paths"]?.AsArray().SelectMany(s => s!["asns"]!.AsArray().Select(x => x!.ToString())) ?? []);
                Check(gobgpPath == asPath, $"GoBGP AS path '{asPath}'", seen);
                Check(seen.Contains($"\"{nextHop}\"", StringComparison.Ordinal), $"GoBGP next hop {nextHop}", seen);
                Check(Attr(4)?["metric"]?.GetValue<int>() == PeeringConfigs.StackMed, $"GoBGP MED {med}", seen);
                Check(Attr(8)?["communities"]?.AsArray().Any(c => c!.GetValue<long>() == (65001L << 16) + 42) == true, "GoBGP community 65001:42", seen);
                if (_ibgp)
                {
                    Check(Attr(5)?["value"]?.GetValue<int>() == PeeringConfigs.StackLocalPref, $"GoBGP local preference {lp}", seen);
                }

                break;
            }
        }
    }

    private static JsonNode? FrrFirstPath(FrrInstance f, string prefix)
    {
        if (f.Paths(prefix).Count == 0)
        {
            return null;
        }

        return f.VtyshJson($"show bgp {Afi(prefix)} unicast {prefix} json")["paths"]?.AsArray().FirstOrDefault();
    }

    private static string Afi(string prefix) => prefix.Contains(':', StringComparison.Ordinal) ? "ipv6" : "ipv4";

    private static void Check(bool ok, string expected, string seen)
    {
        if (!ok)
        {
            throw new Xunit.Sdk.XunitException($"expected {expected}; seen:\n{seen}");
        }
    }

    public void Dispose() => _daemon.Dispose();
}
