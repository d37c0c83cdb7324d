using System.Net;
using System.Net.Sockets;

namespace StackBgp.Bfd;

/// <summary>
/// Identity of a BFD session, as FRR keys its <c>peer</c> blocks:
/// peer address, local address, interface and single-hop/multihop.
/// </summary>
public readonly record struct BfdSessionKey(IPAddress Peer, IPAddress? LocalAddress, string? Interface, bool Multihop)
{
    public override string ToString() =>
        $"{Peer}{(Multihop ? " multihop" : "")}{(LocalAddress is null ? "" : $" local-address {LocalAddress}")}{(Interface is null ? "" : $" interface {Interface}")}";
}

/// <summary>
/// One configured BFD peer (FRR <c>bfd</c> / <c>peer ADDR [multihop] [local-address A] [interface IF]</c>
/// with the values of its <c>profile</c> already resolved). Intervals default to FRR's 300 ms × 3.
/// </summary>
public sealed record BfdPeerConfig(IPAddress Peer)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Source address. For multihop, RFC 5883 demultiplexes by address pair: without it the kernel
    /// picks the source and packets are matched on the peer address alone.
    /// </summary>
    public IPAddress? LocalAddress { get; init; }
    /// <summary>Interface to bind to (single-hop, and required for IPv6 link-local peers).</summary>
    public string? Interface { get; init; }
    /// <summary>RFC 5883 multihop on UDP 4784 instead of RFC 5881 single-hop on 3784.</summary>
    public bool Multihop { get; init; }
    /// <summary>Multihop only: packets with a smaller TTL / hop limit are dropped (FRR's default 254).</summary>
    public byte MinimumTtl { get; init; } = 254;
    public TimeSpan DesiredMinTx { get; init; } = DefaultInterval;
    public TimeSpan RequiredMinRx { get; init; } = DefaultInterval;
    public byte DetectMultiplier { get; init; } = 3;
    /// <summary>RFC 5880 §6.1 passive role: send nothing until the peer has sent something.</summary>
    public bool Passive { get; init; }
    /// <summary>§6.8.16 administrative shutdown: the session is held in AdminDown.</summary>
    public bool Shutdown { get; init; }
    /// <summary>Name of the profile the values came from (shown, not interpreted).</summary>
    public string? Profile { get; init; }
    public BfdAuthConfig? Authentication { get; init; }

    public BfdSessionKey Key => new(Peer, LocalAddress, Interface, Multihop);

    internal uint DesiredMinTxUs => (uint)(DesiredMinTx.Ticks / 10);
    internal uint RequiredMinRxUs => (uint)(RequiredMinRx.Ticks / 10);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid value.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Peer);
        if (Peer.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            throw new ArgumentException($"BFD peer {Peer} is not IPv4 or IPv6");
        if (LocalAddress is not null && LocalAddress.AddressFamily != Peer.AddressFamily)
            throw new ArgumentException($"BFD peer {Peer}: local-address {LocalAddress} is of another family");
        if (Multihop && Interface is not null)
            throw new ArgumentException($"BFD multihop peer {Peer} cannot be bound to an interface");
        CheckInterval(DesiredMinTx, "transmit-interval");
        CheckInterval(RequiredMinRx, "receive-interval");
        if (DetectMultiplier == 0)
            throw new ArgumentException($"BFD peer {Peer}: detect-multiplier must be 1..255");
        if (MinimumTtl == 0)
            throw new ArgumentException($"BFD peer {Peer}: minimum-ttl must be 1..255");
        Authentication?.Validate();
    }

    private void CheckInterval(TimeSpan value, string name)
    {
        // FRR accepts 10..60000 ms.
        if (value < TimeSpan.FromMilliseconds(10) || value > TimeSpan.FromMilliseconds(60000))
            throw new ArgumentException($"BFD peer {Peer}: {name} must be 10..60000 ms, got {value.TotalMilliseconds} ms");
    }
}
