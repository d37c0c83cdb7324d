using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary>How a path was learned, for the decision process and advertisement rules.</summary>
public enum PeerKind : byte
{
    /// <summary>Locally originated (network, static, connected, aggregate): FRR's "sourced"/"Local".</summary>
    Local = 0,
    External = 1,
    Internal = 2,
}

/// <summary>
/// Everything the decision process looks at for one path. Built by the RIB from the stored path
/// and its peer; public so that the comparison can be tested and reused on its own.
/// </summary>
public readonly record struct PathView(
    PathAttributes Attributes,
    int Weight,
    PeerKind Kind,
    uint PeerAs,
    uint PeerRouterId,
    UInt128 PeerAddress,
    uint IgpMetric = 0,
    bool IsCurrentBest = false,
    bool Stale = false)
{
    /// <summary>The neighbouring AS for MED comparison and deterministic-med groups (RFC 4271 §9.1.2.2 c).</summary>
    public uint NeighborAs => Attributes.AsPath.FirstAs;
}

/// <summary>The verdict of comparing two paths: which is better, the deciding step, and whether they are multipath-equal.</summary>
public readonly record struct PathComparison(int Result, BestPathReason Reason, bool MultipathEqual)
{
    /// <summary>True when the first argument (a) is preferred (ties keep a).</summary>
    public bool FirstWins => Result <= 0;
}

/// <summary>
/// The BGP decision process (RFC 4271 §9.1.2.2) with the steps and order FRR documents
/// ("Route Selection" in the FRR BGP guide), one step per block below.
/// </summary>
public static class PathComparer
{
    /// <summary>
    /// Compares <paramref name="a"/> with <paramref name="b"/>: Result &lt; 0 when a is better, &gt; 0 when b is
    /// better, 0 when nothing tells them apart. <see cref="PathComparison.MultipathEqual"/> is set when the
    /// paths are equal up to the IGP metric and pass FRR's multipath check (same neighbour AS for eBGP,
    /// identical AS_PATH for iBGP, anything with as-path multipath-relax).
    /// </summary>
    public static PathComparison Compare(in PathView a, in PathView b, BestPathOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var aa = a.Attributes;
        var ba = b.Attributes;

        // 0. RFC 9494 §4.3: a long-lived stale route (LLGR_STALE) is less preferred than any other.
        bool aLlgr = aa.HasCommunity(Community.LlgrStale), bLlgr = ba.HasCommunity(Community.LlgrStale);
        if (aLlgr != bLlgr) return new(aLlgr ? 1 : -1, BestPathReason.Stale, false);

        // 1. Weight: higher wins (local to this router).
        if (a.Weight != b.Weight) return new(a.Weight > b.Weight ? -1 : 1, BestPathReason.Weight, false);

        // 2. LOCAL_PREF: higher wins (RFC 4271 §9.1.1); absent = bgp default local-preference.
        uint alp = aa.LocalPref ?? options.DefaultLocalPref, blp = ba.LocalPref ?? options.DefaultLocalPref;
        if (alp != blp) return new(alp > blp ? -1 : 1, BestPathReason.LocalPref, false);

        // 3. Locally originated (network, redistribute, aggregate) over received.
        bool al = a.Kind == PeerKind.Local, bl = b.Kind == PeerKind.Local;
        if (al != bl) return new(al ? -1 : 1, BestPathReason.LocalRoute, false);

        // 4. AS_PATH length (RFC 4271 §9.1.2.2 a): AS_SET counts 1, confederation segments 0.
        if (!options.AsPathIgnore)
        {
            int an = aa.AsPath.Length, bn = ba.AsPath.Length;
            if (an != bn) return new(an < bn ? -1 : 1, BestPathReason.AsPath, false);
        }

        // 5. ORIGIN: IGP < EGP < INCOMPLETE (RFC 4271 §9.1.2.2 b).
        if (aa.Origin != ba.Origin) return new(aa.Origin < ba.Origin ? -1 : 1, BestPathReason.Origin, false);

        // 6. MED (RFC 4271 §9.1.2.2 c): only between paths from the same neighbouring AS unless
        //    always-compare-med; paths with no AS hops (internal routes) are compared too, as FRR does.
        if (MedComparable(aa.AsPath, ba.AsPath, options))
        {
            uint missing = options.MedMissingAsWorst ? uint.MaxValue : 0;
            uint am = aa.Med ?? missing, bm = ba.Med ?? missing;
            if (am != bm) return new(am < bm ? -1 : 1, BestPathReason.Med, false);
        }

        // 7. eBGP over iBGP (RFC 4271 §9.1.2.2 d). FRR 8.4 names this step "Peer Type".
        if (a.Kind != b.Kind)
        {
            bool ae = a.Kind == PeerKind.External;
            bool be = b.Kind == PeerKind.External;
            if (ae != be) return new(ae ? -1 : 1, BestPathReason.PeerType, false);
        }

        // 8. IGP metric to the next hop (RFC 4271 §9.1.2.2 e): lower wins.
        if (a.IgpMetric != b.IgpMetric) return new(a.IgpMetric < b.IgpMetric ? -1 : 1, BestPathReason.IgpMetric, false);

        // 9. Multipath check (FRR): the paths are equal so far; may they share the forwarding load?
        bool mp = MultipathEqual(a, b, options);

        // 10. Both eBGP: keep the path already selected (RFC 4271 §9.1.2.2 f note; FRR "Older Path"),
        //     unless bgp bestpath compare-routerid.
        if (!options.CompareRouterId && a.Kind == PeerKind.External && b.Kind == PeerKind.External && a.IsCurrentBest != b.IsCurrentBest)
            return new(a.IsCurrentBest ? -1 : 1, BestPathReason.OlderPath, mp);

        // 11. Router ID: ORIGINATOR_ID when reflected (RFC 4456 §9), else the peer's BGP identifier. Lower wins.
        uint arid = aa.OriginatorId ?? a.PeerRouterId, brid = ba.OriginatorId ?? b.PeerRouterId;
        if (arid != brid) return new(arid < brid ? -1 : 1, BestPathReason.RouterId, mp);

        // 12. CLUSTER_LIST length (RFC 4456 §9): shorter wins.
        int acl = aa.ClusterList.Length, bcl = ba.ClusterList.Length;
        if (acl != bcl) return new(acl < bcl ? -1 : 1, BestPathReason.ClusterLength, mp);

        // 13. Fresh over stale (graceful restart, RFC 4724 §4.2).
        if (a.Stale != b.Stale) return new(a.Stale ? 1 : -1, BestPathReason.Stale, mp);

        // 14. Neighbor address (RFC 4271 §9.1.2.2 g): lower wins.
        if (a.PeerAddress != b.PeerAddress) return new(a.PeerAddress < b.PeerAddress ? -1 : 1, BestPathReason.NeighborIp, mp);

        return new(0, BestPathReason.NothingLeft, mp);
    }

    /// <summary>FRR's MED gate: always-compare-med, same leftmost AS, or neither path has AS hops.</summary>
    public static bool MedComparable(AsPath a, AsPath b, BestPathOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.AlwaysCompareMed) return true;
        uint af = a.FirstAs, bf = b.FirstAs;
        if (af != 0 && af == bf) return true;
        return a.Length == 0 && b.Length == 0;
    }

    private static bool MultipathEqual(in PathView a, in PathView b, BestPathOptions options)
    {
        if (a.Kind == PeerKind.Local || b.Kind == PeerKind.Local || a.Kind != b.Kind) return false;
        if (options.AsPathMultipathRelax) return true;
        return a.Kind == PeerKind.External
            ? a.PeerAs == b.PeerAs
            : a.Attributes.AsPath.Equals(b.Attributes.AsPath);
    }
}
