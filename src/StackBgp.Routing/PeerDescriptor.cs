using System.Collections.Immutable;
using System.Net;
using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary><c>neighbor X send-community [standard|extended|large|all|both]</c>; FRR sends all by default.</summary>
[Flags]
public enum SendCommunity : byte
{
    None = 0,
    Standard = 1,
    Extended = 2,
    Large = 4,
    All = Standard | Extended | Large,
}

/// <summary><c>neighbor X allowas-in [N|origin]</c>.</summary>
public readonly record struct AllowAsIn(int Count, bool Origin)
{
    /// <summary>Not configured: any occurrence of our AS is a loop.</summary>
    public static AllowAsIn Off => default;
    public static AllowAsIn Times(int n) => new(n, false);
    public static AllowAsIn OriginOnly => new(0, true);
}

/// <summary><c>neighbor X maximum-prefix N [warning-only] [restart M]</c>; Limit 0 = none.</summary>
public readonly record struct MaximumPrefix(int Limit, bool WarningOnly = false, TimeSpan Restart = default);

/// <summary><c>neighbor X next-hop-self [force]</c>.</summary>
public enum NextHopSelf : byte
{
    Off,
    /// <summary>Self for eBGP-learned routes sent to iBGP peers (FRR skips reflected routes).</summary>
    On,
    /// <summary>Self for everything, reflected routes included.</summary>
    Force,
}

/// <summary>
/// One established peer as the RIB needs it: configuration merged with what the OPEN negotiation
/// produced. Given to <see cref="RibActor"/> with <see cref="RibCommand.PeerUp"/>. Immutable; a change
/// (policy, options) is a new descriptor sent with <see cref="RibCommand.PeerChanged"/>.
/// </summary>
public sealed record PeerDescriptor
{
    /// <summary>Stable id chosen by the caller (Core), unique per peer.</summary>
    public required int Id { get; init; }
    public required IPAddress Address { get; init; }

    /// <summary>Our address on the session (next hop self for IPv4, IPv6 global for IPv6).</summary>
    public required IPAddress LocalAddress { get; init; }

    /// <summary>Our IPv6 global address when <see cref="LocalAddress"/> is IPv4 (for IPv6 routes over an IPv4 session); optional.</summary>
    public IPAddress? LocalIpv6Global { get; init; }

    /// <summary>Our IPv4 address when the session runs over IPv6 (for IPv4 routes without RFC 8950); optional.</summary>
    public IPAddress? LocalIpv4 { get; init; }

    /// <summary>Our IPv6 link-local address on the session's interface (sent as the second MP_REACH next hop, RFC 2545 §3).</summary>
    public IPAddress? LocalLinkLocal { get; init; }

    /// <summary>Interface of an unnumbered / link-local session, for the FIB.</summary>
    public string? Interface { get; init; }

    /// <summary>The connected subnet the session runs over (for third-party next hops, RFC 4271 §5.1.3); null = not on a shared subnet.</summary>
    public Prefix? SharedSubnet { get; init; }

    public required uint PeerAs { get; init; }
    public required uint LocalAs { get; init; }

    /// <summary>The peer's BGP identifier (host order).</summary>
    public required uint RouterId { get; init; }

    /// <summary>Peer's own description for logs/show ("hostname" in FRR output); optional.</summary>
    public string? Hostname { get; init; }

    public bool IsInternal => PeerAs == LocalAs;
    public bool RouteReflectorClient { get; init; }

    /// <summary>Families negotiated (both sent the multiprotocol capability, or IPv4 unicast by default).</summary>
    public ImmutableArray<AddressFamily> Families { get; init; } = [AddressFamily.Ipv4Unicast];

    public ImmutableArray<AddressFamily> AddPathReceive { get; init; } = [];
    public ImmutableArray<AddressFamily> AddPathSend { get; init; } = [];
    public bool FourOctetAs { get; init; } = true;

    /// <summary>Families whose NLRI may use an IPv6 next hop with this peer (RFC 8950), e.g. IPv4 unicast.</summary>
    public ImmutableArray<AddressFamily> ExtendedNextHop { get; init; } = [];
    public bool ExtendedMessage { get; init; }
    public bool EnhancedRouteRefresh { get; init; }

    public NextHopSelf NextHopSelf { get; init; }
    public AllowAsIn AllowAsIn { get; init; }
    public SendCommunity SendCommunity { get; init; } = SendCommunity.All;

    /// <summary>Families for which <c>neighbor X default-originate</c> is configured.</summary>
    public ImmutableArray<AddressFamily> DefaultOriginate { get; init; } = [];

    /// <summary><c>neighbor X advertisement-interval</c>; FRR's default is 0 (send at once).</summary>
    public TimeSpan AdvertisementInterval { get; init; }

    /// <summary>Inbound policy (route-map/prefix-list/filter-list composed by Core); null = none configured.</summary>
    public IRoutePolicy? ImportPolicy { get; init; }

    /// <summary>Outbound policy; null = none configured.</summary>
    public IRoutePolicy? ExportPolicy { get; init; }

    public MaximumPrefix MaximumPrefix { get; init; }

    /// <summary><c>neighbor X soft-reconfiguration inbound</c>. Pre-policy routes are kept anyway (they are interned, so cheap); this only changes what show says.</summary>
    public bool SoftReconfigurationInbound { get; init; }

    /// <summary>
    /// The peer's graceful-restart capability (RFC 4724 §3, RFC 9494 §3) when we act as its helper; null =
    /// helper off for this neighbor or the peer did not announce it (its routes are then withdrawn when it goes down).
    /// </summary>
    public PeerGracefulRestart? GracefulRestart { get; init; }

    /// <summary>The peer announced the long-lived GR capability (RFC 9494 §4.5): it may be sent LLGR_STALE routes.</summary>
    public bool LongLivedGracefulRestartReceiver { get; init; }

    /// <summary>Output: where the RIB writes this peer's encoded UPDATEs.</summary>
    public required IPeerSender Sender { get; init; }

    internal UInt128 AddressKey => AddressKeys.Of(Address);

    public bool HasFamily(AddressFamily family) => Families.Contains(family);
}

/// <summary>What a peer announced in its graceful-restart capabilities, as the helper needs it.</summary>
public sealed record PeerGracefulRestart
{
    /// <summary>The peer's Restart Time (RFC 4724 §3): how long its routes are kept stale while it is down.</summary>
    public TimeSpan RestartTime { get; init; }

    /// <summary>R bit: the peer has just restarted (it defers its own End-of-RIB until it has ours).</summary>
    public bool Restarting { get; init; }

    /// <summary>Families listed in the capability (their routes are kept stale when the session drops).</summary>
    public ImmutableArray<AddressFamily> Families { get; init; } = [];

    /// <summary>Families with the F bit: forwarding state was preserved across the restart (RFC 4724 §4.2).</summary>
    public ImmutableArray<AddressFamily> ForwardingPreserved { get; init; } = [];

    /// <summary>RFC 9494 §3: per family, how long routes stay (as LLGR_STALE) after the restart time; empty = no LLGR.</summary>
    public ImmutableDictionary<AddressFamily, TimeSpan> LongLivedStaleTime { get; init; } = ImmutableDictionary<AddressFamily, TimeSpan>.Empty;
}

/// <summary>The RIB's output towards one session (implemented by Core over the session's send queue).</summary>
public interface IPeerSender
{
    /// <summary>
    /// Queues one or more whole encoded BGP messages, back to back. The same memory is handed to every member of an
    /// update group: it must not be modified, and the sender must not block the RIB actor.
    /// </summary>
    void Send(ReadOnlyMemory<byte> message);

    /// <summary>As <see cref="Send(ReadOnlyMemory{byte})"/>, saying how many messages the memory holds (message counters).</summary>
    void Send(ReadOnlyMemory<byte> messages, int count) => Send(messages);

    /// <summary>The RIB asks for the session to be closed with a Cease NOTIFICATION (e.g. maximum-prefix, RFC 4486 §4 subcode 1).</summary>
    void Close(CeaseSubcode subcode, string reason);
}

internal static class AddressKeys
{
    public static UInt128 Of(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int n);
        if (n == 4) return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(b);
    }
}
