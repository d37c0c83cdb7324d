using System.Collections.Immutable;

namespace StackBgp.Wire;

/// <summary>
/// What was negotiated with the peer and matters for decoding (immutable, passed by value).
/// default(DecodeContext) = a fresh session: 2-octet AS, no add-path, 4096-octet messages, eBGP.
/// </summary>
public readonly record struct DecodeContext
{
    public const int StandardMaxLength = 4096;
    public const int ExtendedMaxLength = 65535;

    private readonly int _maxMessageLength;

    /// <summary>Both sides sent the 4-octet AS capability (RFC 6793): AS_PATH carries 4-octet ASNs.</summary>
    public bool FourOctetAs { get; init; }

    /// <summary>4096, or 65535 when both sides sent the extended message capability (RFC 8654).</summary>
    public int MaxMessageLength { get => _maxMessageLength == 0 ? StandardMaxLength : _maxMessageLength; init => _maxMessageLength = value; }

    /// <summary>Families for which the peer sends path ids (we advertised Receive, it advertised Send; RFC 7911 §4).</summary>
    public ImmutableArray<AddressFamily> AddPathReceive { get; init; }

    /// <summary>NLRI families we accept with an IPv6 next hop (RFC 8950), e.g. IPv4 unicast.</summary>
    public ImmutableArray<AddressFamily> ExtendedNextHop { get; init; }

    /// <summary>The peer is internal (same AS). Decides e.g. RFC 7606 §7.5 (LOCAL_PREF from eBGP is discarded).</summary>
    public bool IsInternal { get; init; }

    /// <summary>The peer is a member-AS peer of our confederation (RFC 5065): confederation segments are allowed.</summary>
    public bool IsConfederationPeer { get; init; }

    /// <summary>
    /// When non-zero and the peer is external, the leftmost AS of AS_PATH must be this ASN
    /// (RFC 4271 §6.3 "enforce-first-as"); otherwise treat-as-withdraw (RFC 7606 §7.2).
    /// </summary>
    public uint RequiredFirstAs { get; init; }

    public bool ReceivesPathId(AddressFamily family) => Contains(AddPathReceive, family);
    public bool AllowsExtendedNextHop(AddressFamily family) => Contains(ExtendedNextHop, family);

    internal static bool Contains(ImmutableArray<AddressFamily> set, AddressFamily family)
    {
        if (set.IsDefault) return false;
        foreach (var f in set) if (f == family) return true;
        return false;
    }
}

/// <summary>What was negotiated with the peer and matters for encoding.</summary>
public readonly record struct EncodeContext
{
    private readonly int _maxMessageLength;

    /// <summary>Both sides support 4-octet AS; otherwise AS_PATH is 2-octet with AS_TRANS + AS4_PATH (RFC 6793 §4.2.2).</summary>
    public bool FourOctetAs { get; init; }

    /// <summary>4096, or 65535 with the extended message capability (RFC 8654).</summary>
    public int MaxMessageLength { get => _maxMessageLength == 0 ? DecodeContext.StandardMaxLength : _maxMessageLength; init => _maxMessageLength = value; }

    /// <summary>Families for which we send path ids (RFC 7911 §4).</summary>
    public ImmutableArray<AddressFamily> AddPathSend { get; init; }

    /// <summary>Send IPv4 unicast NLRI in MP_REACH/MP_UNREACH instead of the UPDATE body (needed with an IPv6 next hop, RFC 8950).</summary>
    public bool Ipv4ViaMpReach { get; init; }

    public bool SendsPathId(AddressFamily family) => DecodeContext.Contains(AddPathSend, family);
}
