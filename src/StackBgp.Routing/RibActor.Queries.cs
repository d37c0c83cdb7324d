using System.Collections.Immutable;
using System.Net;
using StackBgp.Wire;

namespace StackBgp.Routing;

// Queries: immutable snapshots built on the actor (never touching RIB state from other threads).
public sealed partial class RibActor
{
    public Task<BgpTableSnapshot> GetTableAsync(AddressFamily family) => QueryAsync(a => a.SnapshotTable(family));

    /// <summary>The entry for <paramref name="prefix"/>; for a host prefix not in the table, the longest match (as <c>show bgp A.B.C.D</c>).</summary>
    public Task<BgpRouteSnapshot?> GetRouteAsync(Prefix prefix) => QueryAsync(a => a.SnapshotRoute(prefix));

    public Task<NeighborRibSnapshot?> GetNeighborAsync(int peerId) => QueryAsync(a => a.SnapshotNeighbor(peerId));

    public Task<ImmutableArray<NeighborRibSnapshot>> GetNeighborsAsync() =>
        QueryAsync(a => a._peers.Keys.Order().Select(id => a.SnapshotNeighbor(id)!).ToImmutableArray());

    /// <summary><c>show bgp … neighbors X advertised-routes</c>: the peer's Adj-RIB-Out.</summary>
    public Task<BgpTableSnapshot> GetAdvertisedRoutesAsync(int peerId, AddressFamily family) => QueryAsync(a => a.SnapshotAdvertised(peerId, family));

    /// <summary><c>show bgp … neighbors X received-routes</c>: the peer's Adj-RIB-In, pre-policy.</summary>
    public Task<BgpTableSnapshot> GetReceivedRoutesAsync(int peerId, AddressFamily family) => QueryAsync(a => a.SnapshotReceived(peerId, family));

    public Task<RibStatistics> GetStatisticsAsync() => QueryAsync(a => a.SnapshotStatistics());

    internal RibStatistics SnapshotStatistics()
    {
        int paths = 0;
        foreach (var d in _v4.Values) paths += d.Count;
        foreach (var d in _v6.Values) paths += d.Count;
        return new RibStatistics(_v4.Count, _v6.Count, paths, _interner.Count, _groups.Count, _version, _v4.IndexBytes + _v6.IndexBytes);
    }

    internal BgpTableSnapshot SnapshotTable(AddressFamily family)
    {
        var routes = ImmutableArray.CreateBuilder<BgpRouteSnapshot>();
        foreach (var d in Table(family).Values.OrderBy(d => d.Prefix))
        {
            var r = SnapshotDestination(d, includeRejected: false);
            if (!r.Paths.IsEmpty) routes.Add(r);
        }
        return new BgpTableSnapshot(family, _options.RouterId, _options.LocalAs, _version, routes.ToImmutable());
    }

    internal BgpRouteSnapshot? SnapshotRoute(Prefix prefix)
    {
        var t = Table(prefix);
        if (t.TryGetValue(prefix, out var d)) return SnapshotDestination(d, includeRejected: false) with { AdvertisedTo = AdvertisedTo(d) };
        for (int len = prefix.Length - 1; len >= 0; len--)
        {
            var p = prefix.IsIpv6 ? Prefix.FromV6(prefix.High, prefix.Low, len) : Prefix.FromV4(prefix.V4Bits, len);
            if (t.TryGetValue(p, out d) && d.BestAttrs is not null)
                return SnapshotDestination(d, includeRejected: false) with { AdvertisedTo = AdvertisedTo(d) };
        }
        return null;
    }

    private ImmutableArray<IPAddress> AdvertisedTo(Destination d)
    {
        var b = ImmutableArray.CreateBuilder<IPAddress>();
        foreach (var g in _groups.Values)
            if (g.IsAdvertised(d))
                foreach (var m in g.Members) b.Add(m.Descriptor!.Address);
        return b.ToImmutable();
    }

    private BgpRouteSnapshot SnapshotDestination(Destination d, bool includeRejected, PeerState? only = null)
    {
        var paths = ImmutableArray.CreateBuilder<BgpPathSnapshot>(d.Count);
        // Newest first, FRR's list order ("best #N" counts in it).
        for (int i = d.Count - 1; i >= 0; i--)
        {
            ref var p = ref d.At(i);
            if (only is not null && !ReferenceEquals(p.Peer, only)) continue;
            if (p.Attrs is null && !includeRejected) continue;
            paths.Add(SnapshotPath(d, i));
        }
        if (_options.BestPath.DeterministicMed) MarkGroupWinners(paths);
        return new BgpRouteSnapshot(d.Prefix, paths.ToImmutable(), d.Reason);
    }

    /// <summary>FRR's "bestpath-from-AS": the best valid path of each neighbouring-AS group (deterministic-med).</summary>
    private void MarkGroupWinners(ImmutableArray<BgpPathSnapshot>.Builder paths)
    {
        for (int i = 0; i < paths.Count; i++)
        {
            var p = paths[i];
            if (!p.Valid) continue;
            var v = View(p);
            bool winner = true;
            for (int j = 0; j < paths.Count && winner; j++)
            {
                if (j == i || !paths[j].Valid || paths[j].Attributes.AsPath.FirstAs != p.Attributes.AsPath.FirstAs) continue;
                var c = PathComparer.Compare(v, View(paths[j]), _options.BestPath);
                if (c.Result > 0 || (c.Result == 0 && j < i)) winner = false;
            }
            if (winner) paths[i] = p with { BestFromAs = true };
        }

        static PathView View(BgpPathSnapshot s) => new(s.Attributes, s.Weight, s.Kind, s.PeerAs, s.PeerRouterId,
            s.PeerAddress is null ? 0 : AddressKeys.Of(s.PeerAddress), s.IgpMetric, s.Best, s.Stale);
    }

    private BgpPathSnapshot SnapshotPath(Destination d, int i, bool preferPre = false)
    {
        ref var p = ref d.At(i);
        var desc = p.Peer.Descriptor;
        var attrs = preferPre || p.Attrs is null ? p.PreAttrs : p.Attrs;
        var nh = NexthopState(attrs.NextHop);
        return new BgpPathSnapshot
        {
            Kind = p.Peer.Kind,
            PeerAddress = desc?.Address,
            PeerHostname = desc?.Hostname,
            PeerRouterId = desc?.RouterId ?? _options.RouterId,
            PeerAs = desc?.PeerAs ?? 0,
            Attributes = attrs,
            Weight = p.Weight,
            Valid = p.Attrs is not null && nh.Reachable,
            Best = i == d.Best,
            Multipath = (p.Flags & PathFlags.Multipath) != 0,
            Stale = p.IsStale,
            Aggregate = (p.Flags & PathFlags.Aggregate) != 0,
            Rejected = p.Rejection switch
            {
                Rejection.Policy => "policy",
                Rejection.Rfc8212 => "rfc8212",
                Rejection.AsLoop => "as-loop",
                Rejection.OriginatorLoop => "originator-id",
                Rejection.ClusterLoop => "cluster-list",
                _ => null,
            },
            LastUpdate = DateTimeOffset.FromUnixTimeSeconds(p.LastUpdate),
            IgpMetric = nh.Metric,
            NexthopReachable = nh.Reachable,
            PathId = p.Peer.Kind == PeerKind.Local ? 0 : p.PathId,
        };
    }

    internal NeighborRibSnapshot? SnapshotNeighbor(int peerId)
    {
        if (!_peers.TryGetValue(peerId, out var p) || p.Descriptor is null) return null;
        var d = p.Descriptor;
        int sent = 0;
        foreach (var g in p.Groups.Values) sent += g.Advertised + (g.Key.DefaultOriginate ? 1 : 0);
        return new NeighborRibSnapshot
        {
            PeerId = peerId,
            Address = d.Address,
            Up = p.Up,
            PrefixesReceived = p.Received,
            PrefixesAccepted = p.Accepted,
            PrefixesSent = sent,
            DeniedByPolicy = p.DeniedByPolicy,
            DeniedByRfc8212 = p.DeniedByRfc8212,
            DeniedByLoop = p.DeniedByLoop,
            UpdatesReceived = p.UpdatesReceived,
            WithdrawsReceived = p.WithdrawsReceived,
            Rfc8212InboundBlocked = p.Kind == PeerKind.External && d.ImportPolicy is null && _options.EbgpRequiresPolicy,
            Rfc8212OutboundBlocked = p.Rfc8212BlocksExport,
            UpdateGroups = p.Groups.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.Id),
            EndOfRibReceived = [.. p.EndOfRibReceived],
            EndOfRibSent = [.. p.EndOfRibSent],
            StaleSince = p.StaleSince,
            StalePaths = CountStale(p),
            LongLivedStale = [.. p.LongLivedStale],
            RestartTimerRunning = p.RestartTimer is not null,
            StalePathTimerRunning = p.StalePathTimer is not null,
        };
    }

    private int CountStale(PeerState peer)
    {
        if (peer.StaleSince is null) return 0;
        int n = 0;
        foreach (var table in (DestinationTable[])[_v4, _v6])
            foreach (var d in table.Values)
                for (int i = 0; i < d.Count; i++)
                    if (ReferenceEquals(d.At(i).Peer, peer) && d.At(i).IsStale && d.At(i).Attrs is not null) n++; // accepted ones
        return n;
    }

    internal BgpTableSnapshot SnapshotAdvertised(int peerId, AddressFamily family)
    {
        var routes = ImmutableArray.CreateBuilder<BgpRouteSnapshot>();
        if (_peers.TryGetValue(peerId, out var p) && p.Groups.TryGetValue(family, out var g))
        {
            var list = new List<(Prefix, PathAttributes)>();
            if (g.Key.DefaultOriginate) list.Add((DefaultPrefix(family), DefaultRouteAttrs(g)));
            foreach (var d in Table(family).Values)
                if (g.IsAdvertised(d) && OutboundAttributes(g, d) is { IsNone: false } view) list.Add((d.Prefix, view.ToAttributes()));
            foreach (var (prefix, attrs) in list.OrderBy(x => x.Item1))
            {
                var path = new BgpPathSnapshot { Kind = PeerKind.Local, Attributes = attrs, Best = true, PeerRouterId = _options.RouterId };
                routes.Add(new BgpRouteSnapshot(prefix, [path], BestPathReason.None));
            }
            ClearExportCaches();
        }
        return new BgpTableSnapshot(family, _options.RouterId, _options.LocalAs, _version, routes.ToImmutable());
    }

    internal BgpTableSnapshot SnapshotReceived(int peerId, AddressFamily family)
    {
        var routes = ImmutableArray.CreateBuilder<BgpRouteSnapshot>();
        if (_peers.TryGetValue(peerId, out var peer))
        {
            foreach (var d in Table(family).Values.OrderBy(d => d.Prefix))
            {
                for (int i = 0; i < d.Count; i++)
                {
                    if (!ReferenceEquals(d.At(i).Peer, peer)) continue;
                    var s = SnapshotPath(d, i, preferPre: true) with { Best = false, Multipath = false };
                    routes.Add(new BgpRouteSnapshot(d.Prefix, [s], BestPathReason.None));
                }
            }
        }
        return new BgpTableSnapshot(family, _options.RouterId, _options.LocalAs, _version, routes.ToImmutable());
    }
}
