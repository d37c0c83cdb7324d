using System.Net;
using StackBgp.Policy;
using StackBgp.Wire;

namespace StackBgp.Config;

/// <summary><c>frr defaults traditional|datacenter</c>: we honour the timer defaults of each profile.</summary>
public enum FrrDefaultsProfile
{
    Traditional,
    Datacenter,
}

/// <summary>Timer defaults (seconds) of an FRR defaults profile.</summary>
public sealed record TimerDefaults(int KeepAlive, int Hold, int ConnectRetry, int AdvertisementInterval)
{
    /// <summary>FRR "traditional": 60/180, connect-retry 120; "datacenter": 3/9, connect-retry 10.</summary>
    public static TimerDefaults For(FrrDefaultsProfile profile) => profile == FrrDefaultsProfile.Datacenter
        ? new TimerDefaults(3, 9, 10, 0)
        : new TimerDefaults(60, 180, 120, 0);
}

/// <summary>A whole configuration file, parsed and validated. Immutable, compared by content.</summary>
public sealed record StackBgpConfig
{
    public string? FrrVersion { get; init; }
    public FrrDefaultsProfile Defaults { get; init; } = FrrDefaultsProfile.Traditional;
    public string? Hostname { get; init; }
    /// <summary>"log …" lines, kept verbatim (we log through our own logger).</summary>
    public EquatableArray<string> LogLines { get; init; } = EquatableArray<string>.Empty;
    public bool ServiceIntegratedVtyshConfig { get; init; }
    public BgpInstance? Bgp { get; init; }
    public PolicySet Policy { get; init; } = PolicySet.Empty;
    /// <summary><c>ip|ipv6 protocol bgp route-map NAME</c>: the FIB filter.</summary>
    public EquatableArray<ProtocolRouteMap> ProtocolRouteMaps { get; init; } = EquatableArray<ProtocolRouteMap>.Empty;
    public bool IpNhtResolveViaDefault { get; init; }
    public bool Ipv6NhtResolveViaDefault { get; init; }
    public EquatableArray<StaticRoute> StaticRoutes { get; init; } = EquatableArray<StaticRoute>.Empty;
    public EquatableArray<InterfaceConfig> Interfaces { get; init; } = EquatableArray<InterfaceConfig>.Empty;
    public BfdConfig Bfd { get; init; } = BfdConfig.Empty;
    public ApiConfig? Api { get; init; }
    public MetricsConfig? Metrics { get; init; }
    public FibConfig Fib { get; init; } = new();

    public TimerDefaults TimerDefaults => TimerDefaults.For(Defaults);

    /// <summary>The FIB route-map for a family, if configured.</summary>
    public string? FibRouteMap(Afi afi) => ProtocolRouteMaps.FirstOrDefault(p => p.Afi == afi)?.RouteMap;
}

/// <summary><c>router bgp ASN</c> and everything under it.</summary>
public sealed record BgpInstance
{
    public required uint Asn { get; init; }
    public IPAddress? RouterId { get; init; }
    public bool LogNeighborChanges { get; init; }
    public bool GracefulShutdown { get; init; }
    public bool DefaultIpv4Unicast { get; init; } = true;
    /// <summary>RFC 8212: eBGP exchanges nothing without policy unless <c>no bgp ebgp-requires-policy</c>.</summary>
    public bool EbgpRequiresPolicy { get; init; } = true;
    public bool NetworkImportCheck { get; init; } = true;
    public IPAddress? ClusterId { get; init; }
    public bool BestpathAsPathIgnore { get; init; }
    public bool BestpathAsPathMultipathRelax { get; init; }
    public bool BestpathCompareRouterId { get; init; }
    public bool AlwaysCompareMed { get; init; }
    /// <summary><c>[no] bgp deterministic-med</c>; null = the profile's default (FRR 8.4: on with datacenter, off with traditional).</summary>
    public bool? DeterministicMed { get; init; }
    public bool MedMissingAsWorst { get; init; }
    public bool GracefulRestart { get; init; }
    public bool GracefulRestartDisable { get; init; }
    public int? GracefulRestartTime { get; init; }
    public int? GracefulRestartStalepathTime { get; init; }
    public bool GracefulRestartPreserveFwState { get; init; }
    /// <summary><c>bgp graceful-restart select-defer-time</c>: a restarting instance waits at most this long for End-of-RIB (FRR default 360 s).</summary>
    public int? GracefulRestartSelectDeferTime { get; init; }
    /// <summary>RFC 8538: NOTIFICATION messages keep graceful-restart state (FRR: <c>bgp graceful-restart notification</c>).</summary>
    public bool GracefulRestartNotification { get; init; } = true;
    /// <summary>RFC 8538 §3: Cease/Administrative Reset sent as a Hard Reset (<c>bgp hard-administrative-reset</c>).</summary>
    public bool HardAdministrativeReset { get; init; } = true;
    public int? LongLivedStaleTime { get; init; }
    public EquatableArray<ListenRange> ListenRanges { get; init; } = EquatableArray<ListenRange>.Empty;
    public int? ListenLimit { get; init; }
    public (int KeepAlive, int Hold)? Timers { get; init; }
    public uint? DefaultLocalPreference { get; init; }
    public int? CoalesceTime { get; init; }
    /// <summary>Peer-groups in definition order.</summary>
    public EquatableArray<NeighborConfig> PeerGroups { get; init; } = EquatableArray<NeighborConfig>.Empty;
    /// <summary>Address and interface neighbors in definition order.</summary>
    public EquatableArray<NeighborConfig> Neighbors { get; init; } = EquatableArray<NeighborConfig>.Empty;
    public EquatableDictionary<AddressFamily, BgpAfConfig> AddressFamilies { get; init; } = EquatableDictionary<AddressFamily, BgpAfConfig>.Empty;

    public NeighborConfig? FindPeerGroup(string name) => PeerGroups.FirstOrDefault(g => g.Id == name);

    public NeighborConfig? FindNeighbor(string id) => Neighbors.FirstOrDefault(n => n.Id == id);

    public BgpAfConfig Af(AddressFamily family) => AddressFamilies.GetValueOrDefault(family) ?? new BgpAfConfig();

    /// <summary>The settings a neighbor really runs with: its own, else its peer-group's, else the defaults.</summary>
    public EffectiveNeighbor Effective(NeighborConfig neighbor, TimerDefaults defaults) => EffectiveNeighbor.Compute(this, neighbor, defaults);

    /// <summary>Effective settings for every neighbor.</summary>
    public IReadOnlyList<EffectiveNeighbor> EffectiveNeighbors(TimerDefaults defaults) => [.. Neighbors.Select(n => Effective(n, defaults))];
}

/// <summary>Per address-family settings of <c>router bgp</c>.</summary>
public sealed record BgpAfConfig
{
    public EquatableArray<NetworkStatement> Networks { get; init; } = EquatableArray<NetworkStatement>.Empty;
    public EquatableArray<Redistribution> Redistributions { get; init; } = EquatableArray<Redistribution>.Empty;
    public int? MaximumPaths { get; init; }
    public int? MaximumPathsIbgp { get; init; }
    public EquatableArray<AggregateAddress> Aggregates { get; init; } = EquatableArray<AggregateAddress>.Empty;
}

/// <summary><c>network PREFIX [route-map RM]</c>.</summary>
public sealed record NetworkStatement(Prefix Prefix, string? RouteMap);

/// <summary><c>redistribute connected|static|kernel [route-map RM] [metric N]</c>.</summary>
public sealed record Redistribution(RouteSourceProtocol Source, string? RouteMap, uint? Metric);

/// <summary><c>aggregate-address PREFIX [summary-only] [as-set]</c>.</summary>
public sealed record AggregateAddress(Prefix Prefix, bool SummaryOnly, bool AsSet);

/// <summary><c>bgp listen range PREFIX peer-group G</c>.</summary>
public sealed record ListenRange(Prefix Range, string PeerGroup);

/// <summary><c>ip|ipv6 protocol bgp route-map NAME</c>.</summary>
public sealed record ProtocolRouteMap(Afi Afi, string Protocol, string RouteMap);

/// <summary><c>ip|ipv6 route PREFIX NEXTHOP|IFNAME|blackhole [DISTANCE]</c>.</summary>
public sealed record StaticRoute(Prefix Prefix, IPAddress? NextHop, string? Interface, bool Blackhole, int? Distance);

/// <summary>An address on an interface (host bits allowed: "10.0.0.1/24").</summary>
public sealed record InterfaceAddress(IPAddress Address, int Length)
{
    public override string ToString() => $"{Address}/{Length}";
}

/// <summary><c>interface IFNAME</c> block (zebra-style).</summary>
public sealed record InterfaceConfig
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    public EquatableArray<InterfaceAddress> Addresses { get; init; } = EquatableArray<InterfaceAddress>.Empty;
    public int? RaInterval { get; init; }
    /// <summary>False after <c>no ipv6 nd suppress-ra</c> (zebra suppresses RAs by default).</summary>
    public bool? SuppressRa { get; init; }
}

/// <summary>BFD session parameters, as a profile or a peer writes them; null = not set here.</summary>
public sealed record BfdSettings
{
    public int? DetectMultiplier { get; init; }
    public int? TransmitInterval { get; init; }
    public int? ReceiveInterval { get; init; }
    public bool? PassiveMode { get; init; }
    public int? MinimumTtl { get; init; }
    public bool? Shutdown { get; init; }
}

/// <summary><c>bfd</c> / <c>profile NAME</c>.</summary>
public sealed record BfdProfile(string Name, BfdSettings Settings);

/// <summary><c>bfd</c> / <c>peer ADDR [multihop] [local-address A] [interface IF] [vrf V]</c>.</summary>
public sealed record BfdPeer(IPAddress Address, bool Multihop, IPAddress? LocalAddress, string? Interface, string? Vrf, string? Profile, BfdSettings Settings);

public sealed record BfdConfig(EquatableArray<BfdProfile> Profiles, EquatableArray<BfdPeer> Peers)
{
    public static BfdConfig Empty { get; } = new(EquatableArray<BfdProfile>.Empty, EquatableArray<BfdPeer>.Empty);

    public BfdProfile? FindProfile(string name) => Profiles.FirstOrDefault(p => p.Name == name);
}

/// <summary><c>api socket PATH</c> and/or <c>api listen ADDR:PORT tls cert FILE key FILE</c>.</summary>
public sealed record ApiConfig(string? SocketPath, string? ListenEndpoint, string? TlsCertFile, string? TlsKeyFile);

/// <summary><c>metrics listen ADDR:PORT</c>.</summary>
public sealed record MetricsConfig(string ListenEndpoint);

/// <summary><c>fib keep-on-exit</c>, <c>fib sweep-time N</c>, <c>fib protocol N</c>, <c>[no] zebra nexthop kernel enable</c>.</summary>
public sealed record FibConfig
{
    /// <summary><c>fib keep-on-exit</c>: the routes in the kernel stay there on every exit, a stop for good
    /// (SIGINT) included (BIRD's <c>persist</c>); without it only a planned restart (SIGTERM) keeps them.</summary>
    public bool KeepOnExit { get; init; }
    public int? SweepTimeSeconds { get; init; }
    public int? Protocol { get; init; }

    /// <summary>FRR's <c>[no] zebra nexthop kernel enable</c>: routes with one directly connected
    /// gateway name a shared kernel nexthop object (default, as zebra). Null = not configured.</summary>
    public bool? KernelNexthops { get; init; }
}
