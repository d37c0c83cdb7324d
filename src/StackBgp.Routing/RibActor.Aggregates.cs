using System.Collections.Immutable;
using StackBgp.Wire;

namespace StackBgp.Routing;

// aggregate-address PREFIX [as-set] [summary-only] (RFC 4271 §9.2.2.2).
public sealed partial class RibActor
{
    /// <summary>Path id of the aggregate path of the local pseudo-peer.</summary>
    private const uint AggregatePathId = 0xFFFF_FFFF;

    private sealed class AggregateState(AggregateAddress config)
    {
        public readonly AggregateAddress Config = config;
        public readonly HashSet<Prefix> Contributors = [];
        public bool Dirty = true;
        public bool Active;
    }

    private List<AggregateState> _aggregates = [];

    private void ResetAggregates()
    {
        foreach (var a in _aggregates)
        {
            if (a.Active) Withdraw(_self, a.Config.Prefix, AggregatePathId);
            if (a.Config.SummaryOnly) ForceExportContributors(a);
        }
        _aggregates = [.. _options.Aggregates.Select(c => new AggregateState(c))];
        foreach (var a in _aggregates)
            foreach (var d in Table(a.Config.Prefix).Values)
                if (d.BestAttrs is not null && IsMoreSpecific(a.Config.Prefix, d.Prefix)) a.Contributors.Add(d.Prefix);
    }

    private static bool IsMoreSpecific(Prefix aggregate, Prefix p) => p.Length > aggregate.Length && aggregate.Contains(p);

    private void AggregateContributorChanged(Prefix prefix, bool hasBest)
    {
        foreach (var a in _aggregates)
        {
            if (!IsMoreSpecific(a.Config.Prefix, prefix)) continue;
            bool changed = hasBest ? a.Contributors.Add(prefix) : a.Contributors.Remove(prefix);
            if (changed) a.Dirty = true;
        }
    }

    private bool SuppressedByAggregate(Prefix prefix)
    {
        if (_aggregates.Count == 0) return false;
        foreach (var a in _aggregates)
            if (a.Active && a.Config.SummaryOnly && IsMoreSpecific(a.Config.Prefix, prefix)) return true;
        return false;
    }

    private void RecomputeAggregates()
    {
        foreach (var a in _aggregates)
        {
            if (!a.Dirty) continue;
            a.Dirty = false;
            bool wasActive = a.Active;
            if (a.Contributors.Count == 0)
            {
                if (a.Active) Withdraw(_self, a.Config.Prefix, AggregatePathId);
                a.Active = false;
            }
            else
            {
                var attrs = BuildAggregate(a);
                var interned = _interner.Intern(attrs);
                _interner.AddRef(interned);
                StorePath(_self, a.Config.Prefix, AggregatePathId, interned, interned, _options.LocalWeight, Rejection.None, RoutePath.Seconds(_time.GetUtcNow()));
                var d = Table(a.Config.Prefix)[a.Config.Prefix];
                d.At(d.Find(_self, AggregatePathId)).Flags |= PathFlags.Aggregate;
                a.Active = true;
            }
            if (wasActive != a.Active && a.Config.SummaryOnly) ForceExportContributors(a);
        }
    }

    private void ForceExportContributors(AggregateState a)
    {
        foreach (var p in a.Contributors)
            if (Table(p).TryGetValue(p, out var d)) _forceExport.Add(d);
    }

    /// <summary>
    /// The aggregate's attributes: the worst ORIGIN of the contributors, AGGREGATOR = us, and either an
    /// AS_SET of every contributing AS (as-set) or ATOMIC_AGGREGATE (RFC 4271 §9.2.2.2).
    /// </summary>
    private PathAttributes BuildAggregate(AggregateState a)
    {
        var origin = Origin.Igp;
        var asns = new SortedSet<uint>();
        foreach (var p in a.Contributors)
        {
            if (!Table(p).TryGetValue(p, out var d) || d.BestAttrs is not { } attrs) continue;
            if (attrs.Origin > origin) origin = attrs.Origin;
            if (a.Config.AsSet)
                foreach (var s in attrs.AsPath.Segments)
                    foreach (uint asn in s.Asns) asns.Add(asn);
        }
        var path = a.Config.AsSet && asns.Count > 0
            ? new AsPath([new AsPathSegment(AsPathSegmentType.AsSet, asns.ToImmutableArray())])
            : AsPath.Empty;
        return new PathAttributes
        {
            Origin = origin,
            AsPath = path,
            AtomicAggregate = !a.Config.AsSet,
            Aggregator = new Aggregator(_options.LocalAs, _options.RouterId),
        };
    }
}
