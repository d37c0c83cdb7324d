namespace StackBgp.Routing;

/// <summary>
/// Best-path knobs of one BGP instance (FRR's <c>bgp bestpath …</c>, <c>bgp always-compare-med</c>,
/// <c>bgp deterministic-med</c>, <c>bgp default local-preference</c>). Passed into every comparison,
/// never global.
/// </summary>
public sealed record BestPathOptions
{
    public static BestPathOptions Default { get; } = new();

    /// <summary><c>bgp bestpath as-path ignore</c>: skip the AS-path length step.</summary>
    public bool AsPathIgnore { get; init; }

    /// <summary><c>bgp bestpath as-path multipath-relax</c>: eBGP paths from different neighbour ASes may be multipath.</summary>
    public bool AsPathMultipathRelax { get; init; }

    /// <summary><c>bgp always-compare-med</c>: compare MED whatever the neighbouring AS.</summary>
    public bool AlwaysCompareMed { get; init; }

    /// <summary><c>bgp deterministic-med</c>: pick the best per neighbouring AS first, then compare the group winners. On by default, as in FRR.</summary>
    public bool DeterministicMed { get; init; } = true;

    /// <summary><c>bgp bestpath med missing-as-worst</c>: a missing MED counts as 4294967295 instead of 0.</summary>
    public bool MedMissingAsWorst { get; init; }

    /// <summary><c>bgp bestpath compare-routerid</c>: skip the "prefer the already selected eBGP path" (Older Path) step.</summary>
    public bool CompareRouterId { get; init; }

    /// <summary><c>bgp default local-preference</c> (100): the value used when LOCAL_PREF is absent.</summary>
    public uint DefaultLocalPref { get; init; } = 100;
}

/// <summary>
/// The step that decided a comparison. <see cref="BestPathReasons.Text"/> gives FRR 8.4's wording
/// (what <c>show bgp … PREFIX</c> prints after "best (").
/// </summary>
public enum BestPathReason : byte
{
    None,
    FirstPath,
    Weight,
    LocalPref,
    LocalRoute,
    AsPath,
    Origin,
    Med,
    PeerType,
    IgpMetric,
    OlderPath,
    RouterId,
    ClusterLength,
    Stale,
    NeighborIp,
    NothingLeft,
}

public static class BestPathReasons
{
    /// <summary>FRR 8.4 reason strings (bgp_path_selection_reason2str). FRR 8.4 says "Peer Type" for eBGP over iBGP.</summary>
    public static string Text(BestPathReason reason) => reason switch
    {
        BestPathReason.None => "Nothing to Select",
        BestPathReason.FirstPath => "First path received",
        BestPathReason.Weight => "Weight",
        BestPathReason.LocalPref => "Local Pref",
        BestPathReason.LocalRoute => "Local Route",
        BestPathReason.AsPath => "AS Path",
        BestPathReason.Origin => "Origin",
        BestPathReason.Med => "MED",
        BestPathReason.PeerType => "Peer Type",
        BestPathReason.IgpMetric => "IGP Metric",
        BestPathReason.OlderPath => "Older Path",
        BestPathReason.RouterId => "Router ID",
        BestPathReason.ClusterLength => "Cluster length",
        BestPathReason.Stale => "Path Staleness",
        BestPathReason.NeighborIp => "Neighbor IP",
        _ => "Nothing left to compare",
    };
}

/// <summary>maximum-paths per family: eBGP (<c>maximum-paths N</c>) and iBGP (<c>maximum-paths ibgp N</c>); 1 = no ECMP.</summary>
public readonly record struct MaxPaths(int Ebgp = 1, int Ibgp = 1)
{
    public static MaxPaths Single => new(1, 1);
}
