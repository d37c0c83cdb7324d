using System.Globalization;

namespace StackBgp.Policy;

/// <summary>
/// Standard communities (RFC 1997) as 32-bit values, with the well-known names FRR accepts
/// and prints. <c>internet</c> is FRR's name for 0:0 and, in a community-list, matches any route.
/// </summary>
public static class StandardCommunity
{
    public const uint Internet = 0x00000000;
    public const uint GracefulShutdown = 0xFFFF0000; // RFC 8326
    public const uint AcceptOwn = 0xFFFF0001;        // RFC 7611
    public const uint LlgrStale = 0xFFFF0006;        // RFC 9494
    public const uint NoLlgr = 0xFFFF0007;           // RFC 9494
    public const uint Blackhole = 0xFFFF029A;        // RFC 7999
    public const uint NoExport = 0xFFFFFF01;         // RFC 1997
    public const uint NoAdvertise = 0xFFFFFF02;      // RFC 1997
    public const uint NoExportSubconfed = 0xFFFFFF03; // RFC 1997 (FRR: local-AS)
    public const uint NoPeer = 0xFFFFFF04;           // RFC 3765

    /// <summary>Parses "AA:NN" (each 0..65535), a plain 32-bit number, or a well-known name.</summary>
    public static bool TryParse(string text, out uint value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = 0;
        switch (text.ToLowerInvariant())
        {
            case "internet": value = Internet; return true;
            case "graceful-shutdown": value = GracefulShutdown; return true;
            case "accept-own": value = AcceptOwn; return true;
            case "llgr-stale": value = LlgrStale; return true;
            case "no-llgr": value = NoLlgr; return true;
            case "blackhole": value = Blackhole; return true;
            case "no-export": value = NoExport; return true;
            case "no-advertise": value = NoAdvertise; return true;
            case "local-as":
            case "no-export-subconfed": value = NoExportSubconfed; return true;
            case "no-peer": value = NoPeer; return true;
        }
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (!ushort.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out ushort hi)
            || !ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ushort lo))
            return false;
        value = ((uint)hi << 16) | lo;
        return true;
    }

    /// <summary>Formats as FRR does: well-known names, otherwise "AA:NN".</summary>
    public static string Format(uint value) => value switch
    {
        Internet => "internet",
        GracefulShutdown => "graceful-shutdown",
        AcceptOwn => "accept-own",
        LlgrStale => "llgr-stale",
        NoLlgr => "no-llgr",
        Blackhole => "blackhole",
        NoExport => "no-export",
        NoAdvertise => "no-advertise",
        NoExportSubconfed => "local-AS",
        NoPeer => "no-peer",
        _ => string.Create(CultureInfo.InvariantCulture, $"{value >> 16}:{value & 0xFFFF}"),
    };
}

/// <summary>
/// Extended communities (RFC 4360) as the 8 octets in network order packed into a ulong.
/// Only the route-target and site-of-origin forms that FRR's <c>rt</c>/<c>soo</c> keywords take.
/// </summary>
public static class ExtCommunityText
{
    public const byte SubtypeRouteTarget = 0x02;
    public const byte SubtypeSiteOfOrigin = 0x03;

    /// <summary>Parses "ASN:NN" (2-octet AS → type 0x00, 4-octet AS → type 0x02) or "A.B.C.D:NN" (type 0x01).</summary>
    public static bool TryParse(string kind, string text, out ulong value)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(text);
        value = 0;
        byte subtype = kind switch { "rt" => SubtypeRouteTarget, "soo" => SubtypeSiteOfOrigin, _ => (byte)0 };
        if (subtype == 0) return false;
        int colon = text.LastIndexOf(':');
        if (colon <= 0) return false;
        var admin = text.AsSpan(0, colon);
        var local = text.AsSpan(colon + 1);
        if (admin.Contains('.'))
        {
            if (!System.Net.IPAddress.TryParse(admin, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return false;
            if (!ushort.TryParse(local, NumberStyles.None, CultureInfo.InvariantCulture, out ushort n)) return false;
            Span<byte> b = stackalloc byte[4];
            ip.TryWriteBytes(b, out _);
            uint a = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b);
            value = (0x01UL << 56) | ((ulong)subtype << 48) | ((ulong)a << 16) | n;
            return true;
        }
        if (!uint.TryParse(admin, NumberStyles.None, CultureInfo.InvariantCulture, out uint asn)) return false;
        if (asn <= ushort.MaxValue)
        {
            if (!uint.TryParse(local, NumberStyles.None, CultureInfo.InvariantCulture, out uint n32)) return false;
            value = (0x00UL << 56) | ((ulong)subtype << 48) | ((ulong)asn << 32) | n32;
            return true;
        }
        if (!ushort.TryParse(local, NumberStyles.None, CultureInfo.InvariantCulture, out ushort n16)) return false;
        value = (0x02UL << 56) | ((ulong)subtype << 48) | ((ulong)asn << 16) | n16;
        return true;
    }

    /// <summary>Formats as FRR prints extended communities ("RT:65000:1", "SoO:1.2.3.4:5"); unknown types as hex.</summary>
    public static string Format(ulong value)
    {
        byte type = (byte)(value >> 56);
        byte subtype = (byte)(value >> 48);
        string? tag = subtype switch { SubtypeRouteTarget => "RT", SubtypeSiteOfOrigin => "SoO", _ => null };
        if (tag is null || (type & 0x3F) > 2) return string.Create(CultureInfo.InvariantCulture, $"0x{value:x16}");
        return (type & 0x3F) switch
        {
            0x00 => string.Create(CultureInfo.InvariantCulture, $"{tag}:{(value >> 32) & 0xFFFF}:{value & 0xFFFFFFFF}"),
            0x01 => string.Create(CultureInfo.InvariantCulture,
                $"{tag}:{(value >> 40) & 0xFF}.{(value >> 32) & 0xFF}.{(value >> 24) & 0xFF}.{(value >> 16) & 0xFF}:{value & 0xFFFF}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{tag}:{(value >> 16) & 0xFFFFFFFF}:{value & 0xFFFF}"),
        };
    }

    /// <summary>The config form ("rt 65000:1").</summary>
    public static string FormatConfig(ulong value)
    {
        string s = Format(value);
        if (s.StartsWith("RT:", StringComparison.Ordinal)) return "rt " + s[3..];
        if (s.StartsWith("SoO:", StringComparison.Ordinal)) return "soo " + s[4..];
        return s;
    }
}
