using System.Globalization;

namespace StackBgp.Wire;

/// <summary>
/// Standard communities (RFC 1997) are <see cref="uint"/> values ("ASN:value" = asn &lt;&lt; 16 | value).
/// Well-known values from the IANA "BGP Well-known Communities" registry.
/// </summary>
public static class Community
{
    /// <summary>GRACEFUL_SHUTDOWN (RFC 8326).</summary>
    public const uint GracefulShutdown = 0xFFFF0000;
    /// <summary>ACCEPT_OWN (RFC 7611).</summary>
    public const uint AcceptOwn = 0xFFFF0001;
    /// <summary>LLGR_STALE (RFC 9494).</summary>
    public const uint LlgrStale = 0xFFFF0006;
    /// <summary>NO_LLGR (RFC 9494).</summary>
    public const uint NoLlgr = 0xFFFF0007;
    /// <summary>BLACKHOLE (RFC 7999).</summary>
    public const uint Blackhole = 0xFFFF029A;
    /// <summary>NO_EXPORT (RFC 1997).</summary>
    public const uint NoExport = 0xFFFFFF01;
    /// <summary>NO_ADVERTISE (RFC 1997).</summary>
    public const uint NoAdvertise = 0xFFFFFF02;
    /// <summary>NO_EXPORT_SUBCONFED (RFC 1997).</summary>
    public const uint NoExportSubconfed = 0xFFFFFF03;
    /// <summary>NOPEER (RFC 3765).</summary>
    public const uint NoPeer = 0xFFFFFF04;

    public static uint Create(ushort asn, ushort value) => ((uint)asn << 16) | value;

    /// <summary>Parses "ASN:VALUE" or a well-known name as FRR writes it ("no-export", "graceful-shutdown", ...).</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out uint community)
    {
        community = s switch
        {
            "graceful-shutdown" => GracefulShutdown,
            "accept-own" => AcceptOwn,
            "llgr-stale" => LlgrStale,
            "no-llgr" => NoLlgr,
            "blackhole" => Blackhole,
            "no-export" => NoExport,
            "no-advertise" => NoAdvertise,
            "local-AS" => NoExportSubconfed,
            "no-peer" => NoPeer,
            _ => 0,
        };
        if (community != 0) return true;
        int c = s.IndexOf(':');
        if (c < 0) return uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out community);
        if (!ushort.TryParse(s[..c], NumberStyles.None, CultureInfo.InvariantCulture, out ushort hi)) return false;
        if (!ushort.TryParse(s[(c + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out ushort lo)) return false;
        community = Create(hi, lo);
        return true;
    }

    /// <summary>Formats like FRR: well-known names, otherwise "ASN:VALUE".</summary>
    public static string Format(uint community) => community switch
    {
        GracefulShutdown => "graceful-shutdown",
        AcceptOwn => "accept-own",
        LlgrStale => "llgr-stale",
        NoLlgr => "no-llgr",
        Blackhole => "blackhole",
        NoExport => "no-export",
        NoAdvertise => "no-advertise",
        NoExportSubconfed => "local-AS",
        NoPeer => "no-peer",
        _ => string.Create(CultureInfo.InvariantCulture, $"{community >> 16}:{community & 0xFFFF}"),
    };
}

/// <summary>
/// Extended communities (RFC 4360) are <see cref="ulong"/> values, the 8 octets big-endian:
/// type (high octet), sub-type, then 6 octets of value.
/// </summary>
public static class ExtendedCommunity
{
    /// <summary>Two-octet-AS specific route target (RFC 4360 §4, type 0x00 sub-type 0x02).</summary>
    public static ulong RouteTarget(ushort asn, uint value) => (0x0002UL << 48) | ((ulong)asn << 32) | value;

    /// <summary>Two-octet-AS specific route origin (RFC 4360 §5, type 0x00 sub-type 0x03).</summary>
    public static ulong RouteOrigin(ushort asn, uint value) => (0x0003UL << 48) | ((ulong)asn << 32) | value;

    public static byte Type(ulong community) => (byte)(community >> 56);
    public static byte SubType(ulong community) => (byte)(community >> 48);

    /// <summary>Transitive across ASes unless bit 0x40 of the type octet is set (RFC 4360 §2).</summary>
    public static bool IsTransitive(ulong community) => (Type(community) & 0x40) == 0;

    /// <summary>Formats the common two-octet-AS forms like FRR ("RT:65000:100"); others as hex.</summary>
    public static string Format(ulong c) => (Type(c), SubType(c)) switch
    {
        (0x00, 0x02) => string.Create(CultureInfo.InvariantCulture, $"RT:{(c >> 32) & 0xFFFF}:{(uint)c}"),
        (0x00, 0x03) => string.Create(CultureInfo.InvariantCulture, $"SoO:{(c >> 32) & 0xFFFF}:{(uint)c}"),
        (0x02, 0x02) => string.Create(CultureInfo.InvariantCulture, $"RT:{(uint)(c >> 16)}:{(ushort)c}"),
        _ => c.ToString("x16", CultureInfo.InvariantCulture),
    };
}

/// <summary>A large community (RFC 8092): global administrator, local data 1, local data 2. Ordered for canonical sorting.</summary>
public readonly record struct LargeCommunity(uint GlobalAdministrator, uint LocalData1, uint LocalData2) : IComparable<LargeCommunity>
{
    public int CompareTo(LargeCommunity other)
    {
        int c = GlobalAdministrator.CompareTo(other.GlobalAdministrator);
        if (c != 0) return c;
        c = LocalData1.CompareTo(other.LocalData1);
        return c != 0 ? c : LocalData2.CompareTo(other.LocalData2);
    }

    public static bool operator <(LargeCommunity a, LargeCommunity b) => a.CompareTo(b) < 0;
    public static bool operator >(LargeCommunity a, LargeCommunity b) => a.CompareTo(b) > 0;
    public static bool operator <=(LargeCommunity a, LargeCommunity b) => a.CompareTo(b) <= 0;
    public static bool operator >=(LargeCommunity a, LargeCommunity b) => a.CompareTo(b) >= 0;

    public static bool TryParse(ReadOnlySpan<char> s, out LargeCommunity community)
    {
        community = default;
        int a = s.IndexOf(':');
        if (a < 0) return false;
        int b = s[(a + 1)..].IndexOf(':');
        if (b < 0) return false;
        b += a + 1;
        if (!uint.TryParse(s[..a], NumberStyles.None, CultureInfo.InvariantCulture, out uint g)) return false;
        if (!uint.TryParse(s[(a + 1)..b], NumberStyles.None, CultureInfo.InvariantCulture, out uint l1)) return false;
        if (!uint.TryParse(s[(b + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out uint l2)) return false;
        community = new LargeCommunity(g, l1, l2);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{GlobalAdministrator}:{LocalData1}:{LocalData2}");
}
