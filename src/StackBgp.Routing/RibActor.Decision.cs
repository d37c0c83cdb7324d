using System.Collections.Immutable;
using StackBgp.Wire;

namespace StackBgp.Routing;

// Loc-RIB: decision process for dirty prefixes, multipath sets, FIB changes, then export.
public sealed partial class RibActor
{
    private PathView[] _views = new PathView[16];
    private int[] _viewIndex = new int[16];
    private bool[] _multipath = new bool[16];
    private readonly HashSet<Destination> _forceExport = [];

    private void RunDecisionAndExport()
    {
        // Aggregates may add dirty destinations while deciding; loop until quiet.
        for (int round = 0; round < 4 && (_dirty.Count > 0 || _forceExport.Count > 0); round++)
        {
            for (int k = 0; k < _dirty.Count; k++)
            {
                var d = _dirty[k];
                d.Dirty = false;
                bool hadBest = d.Published;
                bool changed = Decide(d);
                bool hasBest = d.Published;
                if (hadBest != hasBest) AggregateContributorChanged(d.Prefix, hasBest);
                if (changed) { _version++; ExportDestination(d); }
                else if (_forceExport.Remove(d)) ExportDestination(d);
                if (d.Count == 0) Table(d.Prefix).Remove(d.Prefix);
            }
            _dirty.Clear();
            foreach (var d in _forceExport) ExportDestination(d);
            _forceExport.Clear();
            RecomputeAggregates();
        }
        _v4.Recycle();
        _v6.Recycle();
        FlushAllGroups(force: false);
        ClearExportCaches();
        if (_fibChanges.Count > 0)
        {
            _fib?.Apply(_fibChanges.ToArray());
            _fibChanges.Clear();
        }
        SignalConverged();
    }

    /// <summary>Runs the decision for one prefix; returns true when the best path (peer or attributes) changed.</summary>
    private bool Decide(Destination d)
    {
        if (_views.Length < d.Count)
        {
            int n = Math.Max(d.Count, _views.Length * 2);
            _views = new PathView[n];
            _viewIndex = new int[n];
            _multipath = new bool[n];
        }
        int count = 0;
        // Newest first, like FRR's path list, so that order-dependent outcomes (MED without deterministic-med) match.
        for (int i = d.Count - 1; i >= 0; i--)
        {
            ref var p = ref d.At(i);
            p.Flags &= ~PathFlags.Multipath;
            if (p.Attrs is null) continue;
            var (reachable, metric) = NexthopState(p.Attrs.NextHop);
            if (!reachable) continue;
            _views[count] = new PathView(p.Attrs, p.Weight, p.Peer.Kind, p.Peer.PeerAs, p.Peer.RouterId, p.Peer.AddressKey, metric, d.Best == i, p.IsStale);
            _viewIndex[count++] = i;
        }
        var family = d.Prefix.IsIpv6 ? AddressFamily.Ipv6Unicast : AddressFamily.Ipv4Unicast;
        var sel = BestPathSelector.Select(_views.AsSpan(0, count), _options.BestPath, _options.MaxPathsFor(family), _multipath);
        Array.Clear(_views, 0, count);
        int best = sel.Best < 0 ? -1 : _viewIndex[sel.Best];
        for (int v = 0; v < count; v++)
            if (_multipath[v]) d.At(_viewIndex[v]).Flags |= PathFlags.Multipath;

        // Changed when the new best path differs (peer or attributes) from the one published. That path
        // is still d.Best unless it was removed or its attributes replaced (BestTouched); then it differs.
        int old = d.Best;
        bool changed;
        if (!d.Published) changed = best >= 0;
        else if (best < 0 || old < 0 || d.BestTouched) changed = true;
        else changed = best != old && (!ReferenceEquals(d.At(best).Attrs, d.At(old).Attrs) || !ReferenceEquals(d.At(best).Peer, d.At(old).Peer));
        d.Best = best;
        d.Reason = sel.Reason;
        d.Published = best >= 0;
        d.BestTouched = false;
        UpdateFib(d);
        return changed;
    }

    /// <summary>FIB: the ECMP next hops of the best BGP-learned route; locally originated routes are not installed.</summary>
    private void UpdateFib(Destination d)
    {
        if (_fib is null) return;
        if (d.Best < 0 || d.BestPeer!.Kind == PeerKind.Local)
        {
            if (d.InFib)
            {
                d.FibSignature = 0;
                _fibChanges.Add(new FibRouteChange(d.Prefix, [], 0));
            }
            return;
        }
        var hc = new HashCode();
        int n = 0;
        for (int i = 0; i < d.Count; i++)
        {
            ref var p = ref d.At(i);
            if ((p.Flags & PathFlags.Multipath) == 0) continue;
            hc.Add(p.Attrs!.NextHop);
            hc.Add(p.Peer.Descriptor?.Interface);
            n++;
        }
        uint metric = d.BestAttrs!.Med ?? 0;
        hc.Add(metric);
        int sig = hc.ToHashCode() | 1;
        if (d.InFib && sig == d.FibSignature) return;
        var b = ImmutableArray.CreateBuilder<FibNextHop>(n);
        for (int i = 0; i < d.Count; i++)
        {
            ref var p = ref d.At(i);
            if ((p.Flags & PathFlags.Multipath) == 0) continue;
            var nh = new FibNextHop(p.Attrs!.NextHop, p.Peer.Descriptor?.Interface);
            if (!b.Contains(nh)) b.Add(nh);
        }
        d.FibSignature = sig;
        _fibChanges.Add(new FibRouteChange(d.Prefix, b.ToImmutable(), metric));
    }
}
