using System.Net;

namespace StackBgp.Session;

/// <summary>
/// How to reach one peer over TCP: neighbor address and port, update-source (address or
/// interface), TCP-MD5 password, GTSM and TTL. The password never appears in <see cref="ToString"/>.
/// </summary>
public sealed record PeerTransportOptions
{
    public const int BgpPort = 179;

    /// <summary>The neighbor; an IPv6 link-local address carries its interface as ScopeId.</summary>
    public required IPAddress RemoteAddress { get; init; }
    public int RemotePort { get; init; } = BgpPort;

    /// <summary>update-source ADDRESS: bind outbound connections to it.</summary>
    public IPAddress? LocalAddress { get; init; }
    /// <summary>Local port for outbound connections (0 = any).</summary>
    public int LocalPort { get; init; }
    /// <summary>Interface peer (unnumbered, link-local neighbor): SO_BINDTODEVICE on the outbound socket.</summary>
    public string? LocalInterface { get; init; }

    /// <summary>
    /// update-source IFNAME: bind outbound connections to that interface's address of the peer's family,
    /// looked up at each connect (as FRR does; the socket is not tied to the device, so a loopback works).
    /// </summary>
    public string? UpdateSourceInterface { get; init; }

    /// <summary>
    /// FRR's connected check for single-hop eBGP (TTL 1, no GTSM, no disable-connected-check): the peer must
    /// be on a directly connected network. Enforced with SO_DONTROUTE, so a connect to anything else fails
    /// at once instead of leaving with a TTL that cannot reach it.
    /// </summary>
    public bool ConnectedCheck { get; init; }

    /// <summary>neighbor X password: TCP-MD5 (RFC 2385). Never logged.</summary>
    public string? Md5Password { get; init; }

    /// <summary>neighbor X ttl-security hops N (RFC 5082); null = off.</summary>
    public int? TtlSecurityHops { get; init; }

    /// <summary>Outgoing TTL without GTSM: 1 for single-hop eBGP, N for ebgp-multihop N, 255 for iBGP.</summary>
    public int Ttl { get; init; } = 1;

    /// <summary>How long an outbound connect may take before it counts as failed.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>True when FRR would apply its connected check: single-hop eBGP without GTSM or disable-connected-check, to a non-link-local address.</summary>
    public static bool NeedsConnectedCheck(bool isInternal, int? ebgpMultihop, int? ttlSecurityHops, bool disableConnectedCheck, IPAddress remote) =>
        !isInternal && ebgpMultihop is null && ttlSecurityHops is null && !disableConnectedCheck && !(remote?.IsIPv6LinkLocal ?? true);

    /// <summary>The TTL FRR uses: iBGP 255, eBGP 1 unless ebgp-multihop (default 255 when given without a value).</summary>
    public static int DefaultTtl(bool isInternal, int? ebgpMultihop) => isInternal ? 255 : ebgpMultihop ?? 1;

    public override string ToString() =>
        $"{RemoteAddress}:{RemotePort} (update-source {LocalAddress?.ToString() ?? UpdateSourceInterface ?? LocalInterface ?? "any"}, md5 {(string.IsNullOrEmpty(Md5Password) ? "off" : "on")}, " +
        $"{(TtlSecurityHops is int h ? $"ttl-security hops {h}" : $"ttl {Ttl}")})";
}
