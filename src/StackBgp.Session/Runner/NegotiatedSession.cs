using System.Collections.Immutable;
using System.Net;
using StackBgp.Wire;

namespace StackBgp.Session;

/// <summary>
/// What the two OPENs agreed on (RFC 5492: a capability is used when both sides sent it), handed
/// to the routing layer when the session is Established.
/// </summary>
public sealed record NegotiatedSession
{
    public required IPAddress PeerAddress { get; init; }
    public IPEndPoint? LocalEndPoint { get; init; }
    public IPEndPoint? RemoteEndPoint { get; init; }
    public required uint PeerAs { get; init; }
    public required uint LocalAs { get; init; }
    /// <summary>The peer's BGP Identifier (router id), host order.</summary>
    public required uint PeerBgpId { get; init; }
    public bool IsInternal { get; init; }
    /// <summary>Negotiated hold time in seconds; 0 = no keepalives, no hold timer.</summary>
    public ushort HoldTime { get; init; }
    public TimeSpan KeepaliveInterval { get; init; }
    /// <summary>Families both sides announced (IPv4 unicast implicitly when neither sent multiprotocol).</summary>
    public ImmutableArray<AddressFamily> Families { get; init; } = [];
    public bool FourOctetAs { get; init; }
    /// <summary>The peer can receive ROUTE-REFRESH from us (it sent code 2 or 128).</summary>
    public bool RouteRefresh { get; init; }
    public bool EnhancedRouteRefresh { get; init; }
    public bool ExtendedMessage { get; init; }
    /// <summary>Per family: Receive = the peer sends us path ids; Send = we send path ids (RFC 7911 §4).</summary>
    public ImmutableArray<AddPathEntry> AddPath { get; init; } = [];
    /// <summary>RFC 8950 tuples both sides sent.</summary>
    public ImmutableArray<ExtendedNextHopEntry> ExtendedNextHop { get; init; } = [];
    public GracefulRestartCapability? PeerGracefulRestart { get; init; }
    public LongLivedGracefulRestartCapability? PeerLongLivedGracefulRestart { get; init; }
    /// <summary>RFC 8538: both OPENs carried graceful restart with the N bit (a NOTIFICATION then keeps routes stale, except Hard Reset).</summary>
    public bool GracefulRestartNotification { get; init; }
    public string? PeerHostName { get; init; }
    public string? PeerDomainName { get; init; }
    public BgpRole? PeerRole { get; init; }
    public DecodeContext DecodeContext { get; init; }
    public EncodeContext EncodeContext { get; init; }
    public required OpenMessage SentOpen { get; init; }
    public required OpenMessage ReceivedOpen { get; init; }

    public bool Supports(AddressFamily family) => Families.Contains(family);
}
