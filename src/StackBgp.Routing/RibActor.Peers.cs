using System.Net;
using StackBgp.Wire;

namespace StackBgp.Routing;

// Peer lifecycle: up (join update groups, initial table, End-of-RIB), down (remove or keep stale),
// changes, End-of-RIB sweep, route refresh and soft clear.
public sealed partial class RibActor
{
    private readonly Dictionary<NextHop, (bool Reachable, uint Metric)> _nexthops = [];

    private void HandlePeerUp(PeerDescriptor descriptor)
    {
        if (!_peers.TryGetValue(descriptor.Id, out var peer))
        {
            peer = new PeerState(descriptor, descriptor.IsInternal ? PeerKind.Internal : PeerKind.External);
            _peers.Add(descriptor.Id, peer);
        }
        else
        {
            if (peer.Up) LeaveGroups(peer);
            peer.Descriptor = descriptor;
            peer.Kind = descriptor.IsInternal ? PeerKind.Internal : PeerKind.External;
            peer.AddressKey = descriptor.AddressKey;
        }
        peer.Up = true;
        peer.MaxPrefixSignalled = false;
        peer.EndOfRibReceived.Clear();
        peer.EndOfRibSent.Clear();
        if (peer.StaleSince is not null) ResumeAfterRestart(peer, descriptor);
        // A restarting instance advertises nothing until its selection deferral ends (RFC 4724 §4.1).
        if (!_deferring) JoinGroups(peer, sendEndOfRib: true);
    }

    private void HandlePeerDown(int peerId, bool keepStale)
    {
        if (!_peers.TryGetValue(peerId, out var peer)) return;
        bool wasUp = peer.Up;
        if (peer.Up) LeaveGroups(peer);
        peer.Up = false;
        // RFC 4724 §4.2: as helper, keep the routes (stale) while the peer restarts; only when the peer
        // announced graceful restart (its capability says which families and for how long).
        if (keepStale && peer.Descriptor?.GracefulRestart is { } gr)
        {
            if (wasUp) KeepStale(peer, gr);
        }
        else
        {
            CancelGrTimers(peer);
            foreach (var table in (DestinationTable[])[_v4, _v6])
                foreach (var d in table.Values)
                    for (int i = d.Count - 1; i >= 0; i--)
                        if (ReferenceEquals(d.At(i).Peer, peer)) RemovePath(d, i);
            _peers.Remove(peerId);
        }
        CheckDeferral();
    }

    private void HandlePeerChanged(PeerDescriptor descriptor)
    {
        if (!_peers.TryGetValue(descriptor.Id, out var peer) || !peer.Up)
        {
            Log.UnknownPeer(_log, descriptor.Id, "PeerChanged");
            return;
        }
        var old = peer.Descriptor!;
        peer.Descriptor = descriptor;
        bool reimport = !ReferenceEquals(old.ImportPolicy, descriptor.ImportPolicy) || old.AllowAsIn != descriptor.AllowAsIn;
        if (reimport) ReimportPeer(peer);
        if (!_deferring) Regroup(peer);
    }

    private void HandleEndOfRib(int peerId, AddressFamily family)
    {
        if (!_peers.TryGetValue(peerId, out var peer)) return;
        peer.EndOfRibReceived.Add(family);
        SweepStale(peer, family);
        peer.LongLivedStale.Remove(family);
        if (peer.StaleSince is not null) ForgetStale(peer);
        CheckDeferral();
    }

    private void SweepStale(PeerState peer, AddressFamily family)
    {
        // Paths are marked stale only with StaleSince set (KeepStale), and it is cleared only when none
        // is left: without it there is nothing to sweep, and an End-of-RIB need not walk the table.
        if (peer.StaleSince is null) return;
        foreach (var d in Table(family).Values)
            for (int i = d.Count - 1; i >= 0; i--)
                if (ReferenceEquals(d.At(i).Peer, peer) && d.At(i).IsStale) RemovePath(d, i);
    }

    private void HandleRouteRefresh(int peerId, AddressFamily family)
    {
        if (!_peers.TryGetValue(peerId, out var peer) || !peer.Up) return;
        if (!peer.Groups.TryGetValue(family, out var group)) return;
        var sender = peer.Descriptor!.Sender;
        bool enhanced = peer.Descriptor.EnhancedRouteRefresh;
        // RFC 7313 §4: BoRR, the Adj-RIB-Out, EoRR.
        if (enhanced) sender.Send(_encoder.EncodeRouteRefresh(family, RouteRefreshSubtype.BeginningOfRouteRefresh));
        DumpGroupTo(group, peer);
        if (enhanced) sender.Send(_encoder.EncodeRouteRefresh(family, RouteRefreshSubtype.EndOfRouteRefresh));
    }

    private void HandleClearSoft(int peerId, bool inbound, bool outbound)
    {
        if (!_peers.TryGetValue(peerId, out var peer) || !peer.Up) return;
        if (inbound) ReimportPeer(peer);
        if (outbound)
        {
            // Recompute the peer's groups against the Loc-RIB, then re-send the whole Adj-RIB-Out.
            RunDecisionAndExport();
            foreach (var g in peer.Groups.Values)
            {
                RecomputeGroup(g, force: false);
                FlushGroup(g);
                DumpGroupTo(g, peer);
            }
        }
    }

    private void HandleNexthop(IPAddress address, bool reachable, uint metric)
    {
        var key = NextHop.FromAddress(address);
        if (_nexthops.TryGetValue(key, out var old) && old == (reachable, metric)) return;
        _nexthops[key] = (reachable, metric);
        foreach (var d in Table(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? AddressFamily.Ipv6Unicast : AddressFamily.Ipv4Unicast).Values)
            for (int i = 0; i < d.Count; i++)
                if (d.At(i).Attrs is { } a && a.NextHop.WithoutLinkLocal() == key) { MarkDirty(d); break; }
        // RFC 8950: IPv4 routes may use an IPv6 next hop.
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            foreach (var d in _v4.Values)
                for (int i = 0; i < d.Count; i++)
                    if (d.At(i).Attrs is { } a && a.NextHop.WithoutLinkLocal() == key) { MarkDirty(d); break; }
    }

    private (bool Reachable, uint Metric) NexthopState(NextHop nextHop)
    {
        if (_nexthops.Count == 0 || nextHop.IsNone) return (true, 0);
        return _nexthops.TryGetValue(nextHop.HasLinkLocal ? nextHop.WithoutLinkLocal() : nextHop, out var s) ? s : (true, 0);
    }

    private void HandleOptionsChanged(RibOptions options)
    {
        var old = _options;
        _options = options;
        if (!old.Aggregates.SequenceEqual(options.Aggregates)) ResetAggregates();
        if (old.EbgpRequiresPolicy != options.EbgpRequiresPolicy || old.HonorGracefulShutdown != options.HonorGracefulShutdown
            || old.RouterId != options.RouterId || old.EffectiveClusterId != options.EffectiveClusterId)
        {
            foreach (var p in _peers.Values) if (p.Up) ReimportPeer(p);
        }
        foreach (var table in (DestinationTable[])[_v4, _v6])
            foreach (var d in table.Values) MarkDirty(d);
        RunDecisionAndExport();
        if (!_deferring) foreach (var p in _peers.Values) if (p.Up) Regroup(p);
        // Same groups may now send different attributes (graceful-shutdown, cluster-id…): re-send all.
        foreach (var g in _groups.Values) RecomputeGroup(g, force: true);
    }
}
