using System.Collections.Immutable;
using System.Net;
using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary>One path of a prefix as show output needs it (immutable snapshot).</summary>
public sealed record BgpPathSnapshot
{
    public required PeerKind Kind { get; init; }
    /// <summary>Peer address; null for locally originated paths.</summary>
    public IPAddress? PeerAddress { get; init; }
    public string? PeerHostname { get; init; }
    public uint PeerRouterId { get; init; }
    public uint PeerAs { get; init; }
    public required PathAttributes Attributes { get; init; }
    public int Weight { get; init; }
    public bool Valid { get; init; } = true;
    public bool Best { get; init; }
    public bool Multipath { get; init; }
    /// <summary>Best of its neighbouring-AS group (FRR's "bestpath-from-AS", with deterministic-med).</summary>
    public bool BestFromAs { get; init; }
    public bool Stale { get; init; }
    public bool Aggregate { get; init; }
    /// <summary>Why an Adj-RIB-In path is not used (received-routes): "policy", "rfc8212", "as-loop", "originator-id", "cluster-list".</summary>
    public string? Rejected { get; init; }
    public DateTimeOffset LastUpdate { get; init; }
    public uint IgpMetric { get; init; }
    public bool NexthopReachable { get; init; } = true;
    public uint PathId { get; init; }
}

/// <summary>A prefix with its paths; <see cref="Reason"/> is why the best won.</summary>
public sealed record BgpRouteSnapshot(Prefix Prefix, ImmutableArray<BgpPathSnapshot> Paths, BestPathReason Reason)
{
    /// <summary>Peers (addresses) the best path is currently advertised to.</summary>
    public ImmutableArray<IPAddress> AdvertisedTo { get; init; } = [];
    public BgpPathSnapshot? BestPath => Paths.FirstOrDefault(p => p.Best);
}

/// <summary><c>show bgp ipv4|ipv6 unicast</c> (and advertised/received-routes) as data.</summary>
public sealed record BgpTableSnapshot(AddressFamily Family, uint RouterId, uint LocalAs, long Version, ImmutableArray<BgpRouteSnapshot> Routes)
{
    public int PathCount => Routes.Sum(r => r.Paths.Length);
}

/// <summary>Per-neighbor RIB counters and flags for <c>show bgp neighbors</c> / summary.</summary>
public sealed record NeighborRibSnapshot
{
    public required int PeerId { get; init; }
    public required IPAddress Address { get; init; }
    public bool Up { get; init; }
    /// <summary>Adj-RIB-In paths (pre-policy).</summary>
    public int PrefixesReceived { get; init; }
    /// <summary>Paths accepted by import checks and policy (FRR's PfxRcd).</summary>
    public int PrefixesAccepted { get; init; }
    /// <summary>Prefixes in the Adj-RIB-Out of the peer's update groups (FRR's PfxSnt).</summary>
    public int PrefixesSent { get; init; }
    public int DeniedByPolicy { get; init; }
    public int DeniedByRfc8212 { get; init; }
    public int DeniedByLoop { get; init; }
    public long UpdatesReceived { get; init; }
    public long WithdrawsReceived { get; init; }
    /// <summary>RFC 8212: eBGP peer without inbound policy (nothing accepted).</summary>
    public bool Rfc8212InboundBlocked { get; init; }
    /// <summary>RFC 8212: eBGP peer without outbound policy (nothing sent).</summary>
    public bool Rfc8212OutboundBlocked { get; init; }
    public ImmutableDictionary<AddressFamily, int> UpdateGroups { get; init; } = ImmutableDictionary<AddressFamily, int>.Empty;
    public ImmutableArray<AddressFamily> EndOfRibReceived { get; init; } = [];
    public ImmutableArray<AddressFamily> EndOfRibSent { get; init; } = [];
    /// <summary>Graceful restart helper: since when the peer's routes are kept stale (null = none kept).</summary>
    public DateTimeOffset? StaleSince { get; init; }
    /// <summary>Accepted paths of the peer kept stale (rejected Adj-RIB-In entries are kept too but not counted).</summary>
    public int StalePaths { get; init; }
    /// <summary>Families whose stale routes are in the long-lived phase (RFC 9494, LLGR_STALE attached).</summary>
    public ImmutableArray<AddressFamily> LongLivedStale { get; init; } = [];
    public bool RestartTimerRunning { get; init; }
    public bool StalePathTimerRunning { get; init; }
}

/// <summary>RIB-wide figures (memory, show bgp summary header).</summary>
/// <param name="IndexBytes">The prefix indexes' slots, kept outside the GC heap.</param>
public sealed record RibStatistics(int Ipv4Prefixes, int Ipv6Prefixes, int Paths, int AttributeSets, int UpdateGroups, long Version, long IndexBytes);
