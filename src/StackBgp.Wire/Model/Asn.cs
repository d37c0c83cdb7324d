using System.Globalization;

namespace StackBgp.Wire;

/// <summary>
/// Autonomous system numbers are plain <see cref="uint"/> values everywhere in StackBgp
/// (RFC 6793: 4-octet AS numbers). This class holds the constants and helpers.
/// </summary>
public static class Asn
{
    /// <summary>AS_TRANS (RFC 6793 §9): stands in for a 4-octet ASN in 2-octet fields.</summary>
    public const uint AsTrans = 23456;

    /// <summary>True if the ASN fits a 2-octet field (RFC 4271 "My Autonomous System").</summary>
    public static bool IsTwoOctet(uint asn) => asn <= ushort.MaxValue;

    /// <summary>The value to put in a 2-octet field: the ASN, or AS_TRANS when it does not fit (RFC 6793 §4.2.2).</summary>
    public static ushort ToTwoOctet(uint asn) => asn <= ushort.MaxValue ? (ushort)asn : (ushort)AsTrans;

    /// <summary>Private-use ranges (RFC 6996): 64512-65534 and 4200000000-4294967294.</summary>
    public static bool IsPrivate(uint asn) => asn is (>= 64512 and <= 65534) or (>= 4200000000 and <= 4294967294);

    /// <summary>Parses "asplain" ("65001", "4200000000") or "asdot" ("1.10") notation (RFC 5396).</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out uint asn)
    {
        asn = 0;
        int dot = s.IndexOf('.');
        if (dot < 0) return uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out asn);
        if (!ushort.TryParse(s[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out ushort hi)) return false;
        if (!ushort.TryParse(s[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out ushort lo)) return false;
        asn = ((uint)hi << 16) | lo;
        return true;
    }

    /// <summary>asplain formatting (RFC 5396), what FRR prints by default.</summary>
    public static string Format(uint asn) => asn.ToString(CultureInfo.InvariantCulture);
}
