using System.Net;
using StackBgp.Policy;
using StackBgp.Wire;

namespace StackBgp.Config;

/// <summary>How a neighbor is named: by address, by interface (unnumbered), or a peer-group.</summary>
public enum NeighborKind
{
    Address,
    Interface,
    PeerGroup,
}

public enum RemoteAsKind
{
    Number,
    Internal,
    External,
}

/// <summary><c>remote-as N|internal|external</c>.</summary>
public sealed record RemoteAsSpec(RemoteAsKind Kind, uint Asn = 0)
{
    public override string ToString() => Kind switch
    {
        RemoteAsKind.Internal => "internal",
        RemoteAsKind.External => "external",
        _ => Asn.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary><c>neighbor X local-as N [no-prepend [replace-as]]</c>.</summary>
public sealed record LocalAsSpec(uint Asn, bool NoPrepend, bool ReplaceAs);

/// <summary>Per-neighbor graceful restart role (RFC 4724): null means "as the global setting".</summary>
public enum GracefulRestartMode
{
    Enabled,
    HelperOnly,
    Disabled,
}

/// <summary><c>allowas-in [N|origin]</c>: N occurrences of our AS accepted, or only as the origin AS.</summary>
public sealed record AllowAsInSpec(int Count, bool Origin);

public enum NextHopSelfMode
{
    Off,
    On,
    Force,
}

/// <summary>Community kinds sent to a neighbor (FRR default: all).</summary>
[Flags]
public enum CommunityKinds
{
    None = 0,
    Standard = 1,
    Extended = 2,
    Large = 4,
    All = Standard | Extended | Large,
}

/// <summary><c>maximum-prefix N [THRESHOLD] [warning-only] [restart M]</c>.</summary>
public sealed record MaximumPrefixSpec(uint Limit, int? ThresholdPercent, bool WarningOnly, int? RestartMinutes);

/// <summary><c>default-originate [route-map RM]</c>.</summary>
public sealed record DefaultOriginateSpec(string? RouteMap);

/// <summary>
/// Per address-family settings of a neighbor or peer-group as written. Null = not configured here
/// (inherit from the peer-group, then the default). See <see cref="EffectiveNeighbor"/>.
/// </summary>
public sealed record NeighborAfConfig
{
    public bool? Activate { get; init; }
    public string? RouteMapIn { get; init; }
    public string? RouteMapOut { get; init; }
    public string? PrefixListIn { get; init; }
    public string? PrefixListOut { get; init; }
    public string? FilterListIn { get; init; }
    public string? FilterListOut { get; init; }
    public AllowAsInSpec? AllowAsIn { get; init; }
    public NextHopSelfMode? NextHopSelf { get; init; }
    public bool? RouteReflectorClient { get; init; }
    public CommunityKinds? SendCommunity { get; init; }
    public DefaultOriginateSpec? DefaultOriginate { get; init; }
    public bool? SoftReconfigurationInbound { get; init; }
    public MaximumPrefixSpec? MaximumPrefix { get; init; }
    public bool? AddpathTxAllPaths { get; init; }
    public string? RemovePrivateAs { get; init; }
    public bool? AsOverride { get; init; }
    public string? AttributeUnchanged { get; init; }
    public uint? Weight { get; init; }
}

/// <summary>
/// A neighbor, interface neighbor or peer-group as written in <c>router bgp</c>. Null = not set here.
/// </summary>
public sealed record NeighborConfig
{
    /// <summary>Canonical address text, interface name or peer-group name.</summary>
    public required string Id { get; init; }
    public required NeighborKind Kind { get; init; }
    public IPAddress? Address { get; init; }
    /// <summary>The peer-group this neighbor belongs to (null for peer-groups themselves).</summary>
    public string? PeerGroup { get; init; }
    public bool InterfaceV6Only { get; init; }
    public RemoteAsSpec? RemoteAs { get; init; }
    public LocalAsSpec? LocalAs { get; init; }
    public string? Description { get; init; }
    public (int KeepAlive, int Hold)? Timers { get; init; }
    public int? ConnectRetry { get; init; }
    /// <summary>`timers send-hold SECONDS`: RFC 9687 SendHoldTime instead of max(8 min, 2 × hold time).</summary>
    public int? SendHold { get; init; }
    public bool? Passive { get; init; }
    public string? UpdateSource { get; init; }
    public int? EbgpMultihop { get; init; }
    public bool? Shutdown { get; init; }
    public string? ShutdownMessage { get; init; }
    public int? Port { get; init; }
    public Secret? Password { get; init; }
    public int? TtlSecurityHops { get; init; }
    public bool? DisableConnectedCheck { get; init; }
    public bool? Bfd { get; init; }
    public string? BfdProfile { get; init; }
    public bool? BfdCheckControlPlaneFailure { get; init; }
    public bool? CapabilityExtendedNexthop { get; init; }
    public GracefulRestartMode? GracefulRestart { get; init; }
    public int? AdvertisementInterval { get; init; }
    public bool? Solo { get; init; }
    public bool? EnforceFirstAs { get; init; }
    public EquatableDictionary<AddressFamily, NeighborAfConfig> AddressFamilies { get; init; } = EquatableDictionary<AddressFamily, NeighborAfConfig>.Empty;

    public NeighborAfConfig Af(AddressFamily family) => AddressFamilies.GetValueOrDefault(family) ?? new NeighborAfConfig();

    public NeighborConfig WithAf(AddressFamily family, Func<NeighborAfConfig, NeighborAfConfig> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return this with { AddressFamilies = AddressFamilies.SetItem(family, change(Af(family))) };
    }
}
