using System.Net;
using StackBgp.Wire;

namespace StackBgp.Config;

/// <summary>Per-family settings a neighbor runs with (own value, else peer-group's, else default).</summary>
public sealed record EffectiveNeighborAf
{
    public required AddressFamily Family { get; init; }
    public bool Activated { get; init; }
    public string? RouteMapIn { get; init; }
    public string? RouteMapOut { get; init; }
    public string? PrefixListIn { get; init; }
    public string? PrefixListOut { get; init; }
    public string? FilterListIn { get; init; }
    public string? FilterListOut { get; init; }
    public AllowAsInSpec? AllowAsIn { get; init; }
    public NextHopSelfMode NextHopSelf { get; init; }
    public bool RouteReflectorClient { get; init; }
    public CommunityKinds SendCommunity { get; init; } = CommunityKinds.All;
    public DefaultOriginateSpec? DefaultOriginate { get; init; }
    public bool SoftReconfigurationInbound { get; init; }
    public MaximumPrefixSpec? MaximumPrefix { get; init; }
    public bool AddpathTxAllPaths { get; init; }
    public string? RemovePrivateAs { get; init; }
    public bool AsOverride { get; init; }
    public string? AttributeUnchanged { get; init; }
    public uint? Weight { get; init; }
}

/// <summary>
/// The settings a neighbor really runs with. FRR's inheritance: a value configured on the
/// neighbor wins; otherwise the peer-group's; otherwise the instance setting or the defaults
/// profile (<c>frr defaults</c>).
/// </summary>
public sealed record EffectiveNeighbor
{
    public required string Id { get; init; }
    public required NeighborKind Kind { get; init; }
    public IPAddress? Address { get; init; }
    public string? PeerGroup { get; init; }
    public bool InterfaceV6Only { get; init; }
    public RemoteAsSpec? RemoteAs { get; init; }
    public LocalAsSpec? LocalAs { get; init; }
    public string? Description { get; init; }
    public int KeepAlive { get; init; }
    public int Hold { get; init; }
    public int ConnectRetry { get; init; }
    /// <summary>RFC 9687 SendHoldTime in seconds; null = the RFC default, max(8 minutes, 2 × hold time).</summary>
    public int? SendHold { get; init; }
    public bool Passive { get; init; }
    public string? UpdateSource { get; init; }
    /// <summary>Null: directly connected (TTL 1); otherwise the multihop TTL.</summary>
    public int? EbgpMultihop { get; init; }
    public bool Shutdown { get; init; }
    public string? ShutdownMessage { get; init; }
    public int Port { get; init; } = 179;
    public Secret? Password { get; init; }
    public int? TtlSecurityHops { get; init; }
    public bool DisableConnectedCheck { get; init; }
    public bool Bfd { get; init; }
    public string? BfdProfile { get; init; }
    public bool BfdCheckControlPlaneFailure { get; init; }
    public bool CapabilityExtendedNexthop { get; init; }
    public GracefulRestartMode GracefulRestart { get; init; }
    public int AdvertisementInterval { get; init; }
    public bool Solo { get; init; }
    public bool EnforceFirstAs { get; init; }
    public EquatableDictionary<AddressFamily, EffectiveNeighborAf> Families { get; init; } = EquatableDictionary<AddressFamily, EffectiveNeighborAf>.Empty;

    /// <summary>iBGP if remote-as is <c>internal</c> or equals the local AS.</summary>
    public bool IsInternal(uint localAsn) => RemoteAs is { Kind: RemoteAsKind.Internal } || (RemoteAs is { Kind: RemoteAsKind.Number } r && r.Asn == localAsn);

    /// <summary>Families this neighbor is activated in.</summary>
    public IEnumerable<AddressFamily> ActiveFamilies => Families.Values.Where(f => f.Activated).Select(f => f.Family).OrderBy(f => f.Afi);

    internal static readonly AddressFamily[] KnownFamilies = [AddressFamily.Ipv4Unicast, AddressFamily.Ipv6Unicast];

    public static EffectiveNeighbor Compute(BgpInstance bgp, NeighborConfig n, TimerDefaults defaults)
    {
        ArgumentNullException.ThrowIfNull(bgp);
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(defaults);
        var g = n.PeerGroup is null ? null : bgp.FindPeerGroup(n.PeerGroup);
        var timers = n.Timers ?? g?.Timers ?? bgp.Timers ?? (defaults.KeepAlive, defaults.Hold);
        var globalGr = bgp.GracefulRestartDisable ? GracefulRestartMode.Disabled
            : bgp.GracefulRestart ? GracefulRestartMode.Enabled : GracefulRestartMode.HelperOnly;
        var families = EquatableDictionary<AddressFamily, EffectiveNeighborAf>.Empty;
        foreach (var fam in KnownFamilies)
        {
            var a = n.Af(fam);
            var ga = g?.Af(fam) ?? new NeighborAfConfig();
            bool defaultActive = fam == AddressFamily.Ipv4Unicast && bgp.DefaultIpv4Unicast;
            families = families.SetItem(fam, new EffectiveNeighborAf
            {
                Family = fam,
                Activated = a.Activate ?? ga.Activate ?? defaultActive,
                RouteMapIn = a.RouteMapIn ?? ga.RouteMapIn,
                RouteMapOut = a.RouteMapOut ?? ga.RouteMapOut,
                PrefixListIn = a.PrefixListIn ?? ga.PrefixListIn,
                PrefixListOut = a.PrefixListOut ?? ga.PrefixListOut,
                FilterListIn = a.FilterListIn ?? ga.FilterListIn,
                FilterListOut = a.FilterListOut ?? ga.FilterListOut,
                AllowAsIn = a.AllowAsIn ?? ga.AllowAsIn,
                NextHopSelf = a.NextHopSelf ?? ga.NextHopSelf ?? NextHopSelfMode.Off,
                RouteReflectorClient = a.RouteReflectorClient ?? ga.RouteReflectorClient ?? false,
                SendCommunity = a.SendCommunity ?? ga.SendCommunity ?? CommunityKinds.All,
                DefaultOriginate = a.DefaultOriginate ?? ga.DefaultOriginate,
                SoftReconfigurationInbound = a.SoftReconfigurationInbound ?? ga.SoftReconfigurationInbound ?? false,
                MaximumPrefix = a.MaximumPrefix ?? ga.MaximumPrefix,
                AddpathTxAllPaths = a.AddpathTxAllPaths ?? ga.AddpathTxAllPaths ?? false,
                RemovePrivateAs = a.RemovePrivateAs ?? ga.RemovePrivateAs,
                AsOverride = a.AsOverride ?? ga.AsOverride ?? false,
                AttributeUnchanged = a.AttributeUnchanged ?? ga.AttributeUnchanged,
                Weight = a.Weight ?? ga.Weight,
            });
        }
        return new EffectiveNeighbor
        {
            Id = n.Id,
            Kind = n.Kind,
            Address = n.Address,
            PeerGroup = n.PeerGroup,
            InterfaceV6Only = n.InterfaceV6Only,
            RemoteAs = n.RemoteAs ?? g?.RemoteAs,
            LocalAs = n.LocalAs ?? g?.LocalAs,
            Description = n.Description ?? g?.Description,
            KeepAlive = timers.KeepAlive,
            Hold = timers.Hold,
            ConnectRetry = n.ConnectRetry ?? g?.ConnectRetry ?? defaults.ConnectRetry,
            SendHold = n.SendHold ?? g?.SendHold,
            Passive = n.Passive ?? g?.Passive ?? false,
            UpdateSource = n.UpdateSource ?? g?.UpdateSource,
            EbgpMultihop = n.EbgpMultihop ?? g?.EbgpMultihop,
            Shutdown = n.Shutdown ?? g?.Shutdown ?? false,
            ShutdownMessage = n.ShutdownMessage ?? g?.ShutdownMessage,
            Port = n.Port ?? g?.Port ?? 179,
            Password = n.Password ?? g?.Password,
            TtlSecurityHops = n.TtlSecurityHops ?? g?.TtlSecurityHops,
            DisableConnectedCheck = n.DisableConnectedCheck ?? g?.DisableConnectedCheck ?? false,
            Bfd = n.Bfd ?? g?.Bfd ?? false,
            BfdProfile = n.BfdProfile ?? g?.BfdProfile,
            BfdCheckControlPlaneFailure = n.BfdCheckControlPlaneFailure ?? g?.BfdCheckControlPlaneFailure ?? false,
            // Unnumbered peers carry IPv4 routes with IPv6 next hops (RFC 8950): FRR enables it for them.
            CapabilityExtendedNexthop = n.CapabilityExtendedNexthop ?? g?.CapabilityExtendedNexthop ?? n.Kind == NeighborKind.Interface,
            GracefulRestart = n.GracefulRestart ?? g?.GracefulRestart ?? globalGr,
            AdvertisementInterval = n.AdvertisementInterval ?? g?.AdvertisementInterval ?? defaults.AdvertisementInterval,
            Solo = n.Solo ?? g?.Solo ?? false,
            EnforceFirstAs = n.EnforceFirstAs ?? g?.EnforceFirstAs ?? true,
            Families = families,
        };
    }
}
