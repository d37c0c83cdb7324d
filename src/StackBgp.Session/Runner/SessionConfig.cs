using System.Collections.Immutable;
using System.Net;
using StackBgp.Wire;

namespace StackBgp.Session;

/// <summary>How the peer's AS is given: a number, or FRR's "remote-as internal|external".</summary>
public enum PeerAsMode : byte
{
    Specific,
    Internal,
    External,
}

/// <summary>
/// Everything one session needs to know about itself and its peer (built by Core from the
/// configuration). Capabilities we offer are derived from it (<see cref="CapabilityNegotiation.BuildOpen"/>).
/// </summary>
public sealed record SessionConfig
{
    public required uint LocalAs { get; init; }
    /// <summary>Our BGP Identifier, host order.</summary>
    public required uint LocalBgpId { get; init; }
    /// <summary>The peer's address (for logs and <see cref="NegotiatedSession"/>).</summary>
    public required IPAddress PeerAddress { get; init; }
    public PeerAsMode PeerAsMode { get; init; } = PeerAsMode.Specific;
    /// <summary>The configured remote-as when <see cref="PeerAsMode"/> is Specific.</summary>
    public uint PeerAs { get; init; }

    /// <summary>Our proposed hold time in seconds (FRR default 180; "datacenter" 9).</summary>
    public ushort HoldTime { get; init; } = 180;
    /// <summary>Configured keepalive (the negotiated hold time / 3 is used when smaller).</summary>
    public TimeSpan KeepaliveTime { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan ConnectRetryTime { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan DelayOpenTime { get; init; } = TimeSpan.FromSeconds(0);
    public FsmOptions Fsm { get; init; } = FsmOptions.Default;
    public IdleHoldBackoff IdleHold { get; init; } = IdleHoldBackoff.Default;

    /// <summary>Address families we offer (multiprotocol capability, RFC 4760 §8).</summary>
    public ImmutableArray<AddressFamily> Families { get; init; } = [AddressFamily.Ipv4Unicast];
    public bool RouteRefresh { get; init; } = true;
    public bool EnhancedRouteRefresh { get; init; } = true;
    public bool ExtendedMessage { get; init; } = true;
    public ImmutableArray<AddPathEntry> AddPath { get; init; } = [];
    /// <summary>RFC 8950 tuples we offer, e.g. (IPv4 unicast, IPv6) for unnumbered peers.</summary>
    public ImmutableArray<ExtendedNextHopEntry> ExtendedNextHop { get; init; } = [];
    public GracefulRestartCapability? GracefulRestart { get; init; }
    public LongLivedGracefulRestartCapability? LongLivedGracefulRestart { get; init; }
    /// <summary>RFC 8538 §5.1: with the N bit negotiated, an Administrative Reset is sent as a Hard Reset (FRR's <c>bgp hard-administrative-reset</c>, default on).</summary>
    public bool HardAdministrativeReset { get; init; } = true;
    /// <summary>Hostname capability (FRR sends and shows it); null = not sent.</summary>
    public string? HostName { get; init; }
    public string? DomainName { get; init; }
    /// <summary>RFC 9234 role; null = not sent.</summary>
    public BgpRole? Role { get; init; }
    /// <summary>RFC 9234 §4.2 strict mode: a peer without the role capability is refused.</summary>
    public bool StrictRole { get; init; }
    /// <summary>Send each capability in its own optional parameter, as FRR does.</summary>
    public bool OneCapabilityPerParameter { get; init; }

    /// <summary>RFC 9687 send hold timer.</summary>
    public bool SendHoldTimer { get; init; } = true;
    /// <summary>Configured SendHoldTime; null = RFC 9687 §4's max(8 minutes, 2 × HoldTime).</summary>
    public TimeSpan? SendHoldTime { get; init; }
    /// <summary>Capacity of the outbound UPDATE queue (batches of encoded UPDATEs).</summary>
    public int SendQueueCapacity { get; init; } = 256;

    public bool IsInternalPeer(uint peerAs) => PeerAsMode switch
    {
        PeerAsMode.Internal => true,
        PeerAsMode.External => false,
        _ => peerAs == LocalAs,
    };
}
