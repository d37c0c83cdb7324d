using System.Collections.Immutable;
using System.Net;
using StackBgp.Wire;
using SocketFamily = System.Net.Sockets.AddressFamily;

namespace StackBgp.Policy;

public sealed partial class CompiledPolicy
{
    private const int MaxCallDepth = 8;

    /// <summary>
    /// FRR's route-map walk: entries in sequence order; the first whose matches all hold decides.
    /// A deny entry denies. A permit entry applies its sets, runs <c>call</c> (a deny there
    /// denies), then exits with permit, or goes on with <c>on-match next</c> / <c>goto N</c>
    /// (<c>continue [N]</c>); falling off the end after a permit is a permit. No match at all is
    /// the implicit deny. Later entries see the attributes as earlier sets left them.
    /// </summary>
    private string? Run(CompiledRouteMap map, Prefix prefix, ref Draft draft, in RouteContext ctx, int depth)
    {
        bool permitted = false;
        var entries = map.Entries;
        int i = 0;
        while (i < entries.Length)
        {
            var e = entries[i];
            if (!AllMatch(e, prefix, ref draft, in ctx)) { i++; continue; }
            if (e.Source.Action == PolicyAction.Deny) return e.DenyText;
            foreach (var s in e.Sets) ApplySet(s, ref draft, in ctx);
            if (e.Source.Call is string call && depth < MaxCallDepth && _routeMaps.TryGetValue(call, out var sub))
            {
                string? denied = Run(sub, prefix, ref draft, in ctx, depth + 1);
                if (denied is not null) return denied;
            }
            permitted = true;
            switch (e.Source.OnMatch)
            {
                case ExitPolicy.Next: i++; break;
                case ExitPolicy.Goto: i = e.GotoIndex; break;
                default: return null;
            }
        }
        return permitted ? null : map.ImplicitDeny;
    }

    private bool AllMatch(CompiledRouteMap.Entry e, Prefix prefix, ref Draft d, in RouteContext ctx)
    {
        for (int k = 0; k < e.Matches.Length; k++)
            if (!Match(e.Matches[k], e.Aux[k], prefix, ref d, in ctx)) return false;
        return true;
    }

    private bool Match(MatchClause clause, object? aux, Prefix prefix, ref Draft d, in RouteContext ctx)
    {
        switch (clause)
        {
            case MatchPrefixList m:
                return prefix.Afi == m.Afi && PrefixListMatches(m.Afi, m.Name, prefix);
            case MatchNextHopPrefixList m:
            {
                var nh = d.NextHop;
                if (nh.IsIpv4 && m.Afi == Afi.Ipv4) return PrefixListMatches(Afi.Ipv4, m.Name, Prefix.FromV4(nh.V4, 32));
                if (nh.IsIpv6 && m.Afi == Afi.Ipv6) return PrefixListMatches(Afi.Ipv6, m.Name, Prefix.FromV6(nh.GlobalHigh, nh.GlobalLow, 128));
                return false;
            }
            case MatchNextHopAddress:
                return aux is NextHop target && d.NextHop.WithoutLinkLocal() == target;
            case MatchCommunity m:
                return _communityLists.TryGetValue(m.List, out var cl) && cl.Matches(d.Current(), m.ExactMatch);
            case MatchLargeCommunity m:
                return _largeLists.TryGetValue(m.List, out var ll) && ll.Matches(d.Current(), m.ExactMatch);
            case MatchExtCommunity m:
                return _extLists.TryGetValue(m.List, out var el) && el.Matches(d.Current());
            case MatchAsPath m:
                return _asPathLists.TryGetValue(m.List, out var al) && al.Permits(d.AsPath);
            case MatchLocalPreference m:
                return (d.LocalPref ?? ctx.DefaultLp) == m.Value;
            case MatchMetric m:
                return (d.Med ?? 0) == m.Value;
            case MatchOrigin m:
                return d.Origin == m.Origin;
            case MatchPeer m:
                if (m.Peer == "local") return ctx.Source != RouteSourceProtocol.Bgp;
                if (aux is IPAddress ip) return ip.Equals(ctx.PeerAddress);
                return string.Equals(m.Peer, ctx.PeerInterface, StringComparison.Ordinal);
            case MatchInterface m:
                return string.Equals(m.Name, ctx.Interface, StringComparison.Ordinal);
            case MatchSourceProtocol m:
                return ctx.Source == m.Protocol;
            default:
                return false;
        }
    }

    private static uint Arith(ArithmeticMode mode, uint current, uint value) => mode switch
    {
        ArithmeticMode.Add => current > uint.MaxValue - value ? uint.MaxValue : current + value,
        ArithmeticMode.Subtract => current < value ? 0 : current - value,
        _ => value,
    };

    private void ApplySet(SetClause clause, ref Draft d, in RouteContext ctx)
    {
        switch (clause)
        {
            case SetMetric s:
                d.Med = Arith(s.Mode, d.Med ?? 0, s.Value);
                break;
            case SetLocalPreference s:
                d.LocalPref = Arith(s.Mode, d.LocalPref ?? ctx.DefaultLp, s.Value);
                break;
            case SetWeight s:
                d.Weight = s.Value;
                break;
            case SetOrigin s:
                d.Origin = s.Origin;
                break;
            case SetCommunity s:
                if (s.None) d.Communities = ImmutableArray<uint>.Empty;
                else if (s.Additive) d.Communities = Union(d.Communities, s.Values);
                else d.Communities = s.Values.Items;
                break;
            case SetCommListDelete s:
                if (_communityLists.TryGetValue(s.List, out var cl) && !d.Communities.IsEmpty)
                {
                    var keep = d.Communities.RemoveAll(cl.Deletes);
                    if (keep.Length != d.Communities.Length) d.Communities = keep;
                }
                break;
            case SetLargeCommunity s:
                if (s.None) d.Large = ImmutableArray<LargeCommunity>.Empty;
                else if (s.Additive) d.Large = Union(d.Large, s.Values);
                else d.Large = s.Values.Items;
                break;
            case SetLargeCommListDelete s:
                if (_largeLists.TryGetValue(s.List, out var ll) && !d.Large.IsEmpty)
                {
                    var keep = d.Large.RemoveAll(ll.Deletes);
                    if (keep.Length != d.Large.Length) d.Large = keep;
                }
                break;
            case SetExtCommunity s:
                d.Ext = Union(d.Ext, s.Values);
                break;
            case SetAsPathPrepend s:
            {
                var path = d.AsPath;
                for (int i = s.Asns.Count - 1; i >= 0; i--) path = path.Prepend(s.Asns[i]);
                d.AsPath = path;
                break;
            }
            case SetAsPathPrependLastAs s:
            {
                uint last = d.AsPath.LeftmostAs;
                if (last != 0) d.AsPath = d.AsPath.Prepend(last, s.Count);
                break;
            }
            case SetAsPathExclude s:
                d.AsPath = Exclude(d.AsPath, s.Asns);
                break;
            case SetIpNextHop s:
                SetV4NextHop(s, ref d, in ctx);
                break;
            case SetIpv6NextHop s:
                SetV6NextHop(s, ref d, in ctx);
                break;
            case SetSrc s:
                d.Src = s.Address;
                break;
        }
    }

    private static void SetV4NextHop(SetIpNextHop s, ref Draft d, in RouteContext ctx)
    {
        switch (s.Kind)
        {
            case NextHopSetKind.Address:
                d.NextHop = NextHop.FromAddress(s.Address!);
                break;
            case NextHopSetKind.PeerAddress:
                // Import: the neighbor's address. Export: our own address toward it (caller knows it).
                if (!ctx.IsExport && ctx.PeerAddress is { AddressFamily: SocketFamily.InterNetwork } peer) d.NextHop = NextHop.FromAddress(peer);
                else d.NextHopDirective = NextHopDirective.Self;
                break;
            default:
                d.NextHopDirective = NextHopDirective.Unchanged;
                break;
        }
    }

    private static void SetV6NextHop(SetIpv6NextHop s, ref Draft d, in RouteContext ctx)
    {
        var cur = d.NextHop;
        switch (s.Kind)
        {
            case Ipv6NextHopSetKind.Global:
                d.NextHop = NextHop.FromAddress(s.Address!, cur.IsIpv6 ? cur.LinkLocal : null);
                break;
            case Ipv6NextHopSetKind.Local:
                if (cur.IsIpv6) d.NextHop = NextHop.FromAddress(cur.Address!, s.Address);
                break;
            case Ipv6NextHopSetKind.PeerAddress:
                if (!ctx.IsExport && ctx.PeerAddress is { AddressFamily: SocketFamily.InterNetworkV6 } peer)
                    d.NextHop = peer.IsIPv6LinkLocal ? NextHop.FromAddress(cur.IsIpv6 ? cur.Address! : peer, peer) : NextHop.FromAddress(peer);
                else d.NextHopDirective = NextHopDirective.Self;
                break;
            default:
                d.NextHopDirective = NextHopDirective.PreferGlobal;
                break;
        }
    }

    private static ImmutableArray<T> Union<T>(ImmutableArray<T> current, EquatableArray<T> add)
    {
        var b = current.ToBuilder();
        foreach (var v in add)
            if (!b.Contains(v)) b.Add(v);
        return b.Count == current.Length ? current : b.ToImmutable();
    }

    private static AsPath Exclude(AsPath path, EquatableArray<uint> asns)
    {
        if (!asns.Any(path.Contains)) return path;
        var segs = ImmutableArray.CreateBuilder<AsPathSegment>();
        foreach (var seg in path.Segments)
        {
            var kept = seg.Asns.RemoveAll(a => asns.Items.Contains(a));
            if (!kept.IsEmpty) segs.Add(new AsPathSegment(seg.Type, kept));
        }
        return segs.Count == 0 ? AsPath.Empty : new AsPath(segs.ToImmutable());
    }
}
