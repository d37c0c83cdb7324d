using System.Buffers.Binary;

namespace StackBgp.Wire;

/// <summary>Result of parsing an MP_REACH_NLRI / MP_UNREACH_NLRI header.</summary>
public enum MpParseStatus : byte
{
    Ok = 0,
    /// <summary>An AFI/SAFI this codec does not carry (only IPv4/IPv6 unicast); the attribute is skipped.</summary>
    UnsupportedFamily = 1,
    /// <summary>Malformed: session reset (RFC 7606 §7.11, §5.3).</summary>
    Malformed = 2,
}

/// <summary>
/// MP_REACH_NLRI (RFC 4760 §3) and MP_UNREACH_NLRI (RFC 4760 §4) headers:
/// <code>
///  MP_REACH_NLRI                              MP_UNREACH_NLRI
///  +-----------------------------------+      +------------------------------+
///  | AFI (2) | SAFI (1)                |      | AFI (2) | SAFI (1)           |
///  +-----------------------------------+      +------------------------------+
///  | Next Hop Length (1)               |      | Withdrawn Routes (variable)  |
///  | Next Hop (4 | 16 | 32)            |      +------------------------------+
///  | Reserved (1)                      |
///  | NLRI (variable)                   |
///  +-----------------------------------+
/// </code>
/// Next hop lengths: IPv4 unicast 4 (16/32 with RFC 8950 extended next hop), IPv6 unicast 16 or 32
/// (global + link-local, RFC 2545 §3).
/// </summary>
public static class MpReachReader
{
    public static MpParseStatus TryReadReach(ReadOnlySpan<byte> value, in DecodeContext context,
        out AddressFamily family, out NextHop nextHop, out ReadOnlySpan<byte> nlri, out string? problem)
    {
        family = default;
        nextHop = default;
        nlri = default;
        problem = null;
        if (value.Length < 5)
        {
            problem = "MP_REACH_NLRI shorter than 5 octets";
            return MpParseStatus.Malformed;
        }
        family = new AddressFamily((Afi)BinaryPrimitives.ReadUInt16BigEndian(value), (Safi)value[2]);
        int nhLen = value[3];
        if (4 + nhLen + 1 > value.Length)
        {
            problem = $"MP_REACH_NLRI next hop length {nhLen} exceeds the attribute";
            return MpParseStatus.Malformed;
        }
        if (!IsSupported(family)) return MpParseStatus.UnsupportedFamily;
        var nh = value.Slice(4, nhLen);
        bool lengthOk = family.Afi == Afi.Ipv4
            ? nhLen == 4 || ((nhLen == 16 || nhLen == 32) && context.AllowsExtendedNextHop(family))
            : nhLen is 16 or 32;
        if (!lengthOk || !NextHop.TryRead(nh, out nextHop))
        {
            problem = $"MP_REACH_NLRI next hop length {nhLen} is wrong for {family}";
            return MpParseStatus.Malformed;
        }
        // The Reserved octet (formerly the SNPA count) is ignored on receipt (RFC 4760 §3).
        nlri = value[(4 + nhLen + 1)..];
        return MpParseStatus.Ok;
    }

    public static MpParseStatus TryReadUnreach(ReadOnlySpan<byte> value, out AddressFamily family, out ReadOnlySpan<byte> withdrawn, out string? problem)
    {
        family = default;
        withdrawn = default;
        problem = null;
        if (value.Length < 3)
        {
            problem = "MP_UNREACH_NLRI shorter than 3 octets";
            return MpParseStatus.Malformed;
        }
        family = new AddressFamily((Afi)BinaryPrimitives.ReadUInt16BigEndian(value), (Safi)value[2]);
        if (!IsSupported(family)) return MpParseStatus.UnsupportedFamily;
        withdrawn = value[3..];
        return MpParseStatus.Ok;
    }

    public static bool IsSupported(AddressFamily family) =>
        family == AddressFamily.Ipv4Unicast || family == AddressFamily.Ipv6Unicast;
}
