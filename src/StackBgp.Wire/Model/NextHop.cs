using System.Buffers.Binary;
using System.Net;
using SocketFamily = System.Net.Sockets.AddressFamily;

namespace StackBgp.Wire;

/// <summary>What a <see cref="NextHop"/> holds.</summary>
public enum NextHopKind : byte
{
    None = 0,
    Ipv4 = 1,
    /// <summary>IPv6 global address, optionally with a link-local one (RFC 2545 §3, 32-octet MP_REACH next hop).</summary>
    Ipv6 = 2,
}

/// <summary>
/// A BGP next hop held inline: an IPv4 address (NEXT_HOP attribute or 4-octet MP_REACH next hop),
/// or an IPv6 global address plus an optional link-local address (RFC 2545 / RFC 4760 next hop of
/// length 16 or 32). IPv6 next hops also carry IPv4 NLRI under RFC 8950.
/// </summary>
public readonly struct NextHop : IEquatable<NextHop>
{
    private readonly ulong _gHi;
    private readonly ulong _gLo;
    private readonly ulong _llHi;
    private readonly ulong _llLo;
    private readonly NextHopKind _kind;
    private readonly bool _hasLinkLocal;

    private NextHop(NextHopKind kind, ulong gHi, ulong gLo, bool hasLl, ulong llHi, ulong llLo)
    {
        _kind = kind;
        _gHi = gHi;
        _gLo = gLo;
        _hasLinkLocal = hasLl;
        _llHi = llHi;
        _llLo = llLo;
    }

    /// <summary>A next hop from the parts of one (<see cref="Kind"/>, the address words, <see cref="HasLinkLocal"/>), stored apart; trusted.</summary>
    internal static NextHop FromParts(NextHopKind kind, ulong gHi, ulong gLo, bool hasLl, ulong llHi, ulong llLo) => new(kind, gHi, gLo, hasLl, llHi, llLo);

    public static NextHop None => default;
    public NextHopKind Kind => _kind;
    public bool IsNone => _kind == NextHopKind.None;
    public bool IsIpv4 => _kind == NextHopKind.Ipv4;
    public bool IsIpv6 => _kind == NextHopKind.Ipv6;
    public bool HasLinkLocal => _hasLinkLocal;

    /// <summary>IPv4 next hop in host order (only when <see cref="IsIpv4"/>).</summary>
    public uint V4 => (uint)_gHi;
    public ulong GlobalHigh => _gHi;
    public ulong GlobalLow => _gLo;
    public ulong LinkLocalHigh => _llHi;
    public ulong LinkLocalLow => _llLo;

    public static NextHop FromV4(uint address) => new(NextHopKind.Ipv4, address, 0, false, 0, 0);
    public static NextHop FromV6(ulong high, ulong low) => new(NextHopKind.Ipv6, high, low, false, 0, 0);
    public static NextHop FromV6(ulong high, ulong low, ulong llHigh, ulong llLow) => new(NextHopKind.Ipv6, high, low, true, llHigh, llLow);

    /// <summary>Builds from addresses; a link-local is only valid with an IPv6 global.</summary>
    public static NextHop FromAddress(IPAddress global, IPAddress? linkLocal = null)
    {
        ArgumentNullException.ThrowIfNull(global);
        Span<byte> b = stackalloc byte[16];
        if (global.AddressFamily == SocketFamily.InterNetwork)
        {
            if (linkLocal is not null) throw new ArgumentException("an IPv4 next hop has no link-local part", nameof(linkLocal));
            global.TryWriteBytes(b, out _);
            return FromV4(BinaryPrimitives.ReadUInt32BigEndian(b));
        }
        global.TryWriteBytes(b, out _);
        ulong h = BinaryPrimitives.ReadUInt64BigEndian(b), l = BinaryPrimitives.ReadUInt64BigEndian(b[8..]);
        if (linkLocal is null) return FromV6(h, l);
        if (linkLocal.AddressFamily != SocketFamily.InterNetworkV6) throw new ArgumentException("link-local must be IPv6", nameof(linkLocal));
        linkLocal.TryWriteBytes(b, out _);
        return FromV6(h, l, BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b[8..]));
    }

    public static NextHop Parse(string global, string? linkLocal = null) =>
        FromAddress(IPAddress.Parse(global), linkLocal is null ? null : IPAddress.Parse(linkLocal));

    /// <summary>The global (or IPv4) address; null for <see cref="NextHopKind.None"/>.</summary>
    public IPAddress? Address => _kind switch
    {
        NextHopKind.Ipv4 => new IPAddress(new[] { (byte)(V4 >> 24), (byte)(V4 >> 16), (byte)(V4 >> 8), (byte)V4 }),
        NextHopKind.Ipv6 => V6(_gHi, _gLo),
        _ => null,
    };

    public IPAddress? LinkLocal => _hasLinkLocal ? V6(_llHi, _llLo) : null;

    /// <summary>Octets this next hop takes in MP_REACH_NLRI (RFC 4760 §3): 4, 16 or 32.</summary>
    public int WireLength => _kind switch { NextHopKind.Ipv4 => 4, NextHopKind.Ipv6 => _hasLinkLocal ? 32 : 16, _ => 0 };

    /// <summary>Writes the MP_REACH next hop bytes (without the length octet); returns the count.</summary>
    public int Write(Span<byte> destination)
    {
        switch (_kind)
        {
            case NextHopKind.Ipv4:
                BinaryPrimitives.WriteUInt32BigEndian(destination, V4);
                return 4;
            case NextHopKind.Ipv6:
                BinaryPrimitives.WriteUInt64BigEndian(destination, _gHi);
                BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _gLo);
                if (!_hasLinkLocal) return 16;
                BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _llHi);
                BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _llLo);
                return 32;
            default:
                return 0;
        }
    }

    /// <summary>Reads an MP_REACH next hop of 4, 16 or 32 octets (RFC 4760 §3, RFC 2545 §3). Other lengths fail.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out NextHop nextHop)
    {
        switch (bytes.Length)
        {
            case 4:
                nextHop = FromV4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
                return true;
            case 16:
                nextHop = FromV6(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
                return true;
            case 32:
                nextHop = FromV6(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
                    BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]), BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]));
                return true;
            default:
                nextHop = default;
                return false;
        }
    }

    /// <summary>The same next hop without its link-local part.</summary>
    public NextHop WithoutLinkLocal() => _kind == NextHopKind.Ipv6 ? FromV6(_gHi, _gLo) : this;

    private static IPAddress V6(ulong hi, ulong lo)
    {
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(b, hi);
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], lo);
        return new IPAddress(b);
    }

    public bool Equals(NextHop other) =>
        _kind == other._kind && _gHi == other._gHi && _gLo == other._gLo && _hasLinkLocal == other._hasLinkLocal
        && _llHi == other._llHi && _llLo == other._llLo;

    public override bool Equals(object? obj) => obj is NextHop n && Equals(n);
    public override int GetHashCode() => HashCode.Combine(_kind, _gHi, _gLo, _hasLinkLocal, _llHi, _llLo);
    public static bool operator ==(NextHop a, NextHop b) => a.Equals(b);
    public static bool operator !=(NextHop a, NextHop b) => !a.Equals(b);

    public override string ToString() => _kind switch
    {
        NextHopKind.None => "none",
        NextHopKind.Ipv4 => Address!.ToString(),
        _ => _hasLinkLocal ? $"{Address} ({LinkLocal})" : Address!.ToString(),
    };
}
