using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using SocketFamily = System.Net.Sockets.AddressFamily;

namespace StackBgp.Wire;

/// <summary>
/// An IPv4 or IPv6 prefix held inline (no heap object): 128 address bits as two ulongs,
/// the length, and the family. Host bits are validated (or cleared) once, at construction.
/// IPv4 addresses occupy the high 32 bits of <c>_hi</c>.
/// </summary>
public readonly struct Prefix : IEquatable<Prefix>, IComparable<Prefix>, ISpanFormattable
{
    private readonly ulong _hi;
    private readonly ulong _lo;
    private readonly byte _length;
    private readonly bool _isV6;

    private Prefix(ulong hi, ulong lo, byte length, bool isV6)
    {
        _hi = hi;
        _lo = lo;
        _length = length;
        _isV6 = isV6;
    }

    public int Length => _length;
    public bool IsIpv6 => _isV6;
    public Afi Afi => _isV6 ? Afi.Ipv6 : Afi.Ipv4;
    public int MaxLength => _isV6 ? 128 : 32;

    /// <summary>IPv4 network address as a host-order uint (only for IPv4 prefixes).</summary>
    public uint V4Bits => (uint)(_hi >> 32);
    public ulong High => _hi;
    public ulong Low => _lo;

    /// <summary>Creates an IPv4 prefix; host bits beyond <paramref name="length"/> are cleared.</summary>
    public static Prefix FromV4(uint address, int length)
    {
        if ((uint)length > 32) throw new ArgumentOutOfRangeException(nameof(length), length, "IPv4 prefix length must be 0..32");
        uint mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
        return new Prefix((ulong)(address & mask) << 32, 0, (byte)length, false);
    }

    /// <summary>Creates an IPv6 prefix; host bits beyond <paramref name="length"/> are cleared.</summary>
    /// <summary>A prefix from the parts of one (<see cref="High"/>, <see cref="Low"/>, <see cref="Length"/>, <see cref="IsIpv6"/>), stored apart by the RIB; the parts are trusted.</summary>
    internal static Prefix FromParts(ulong high, ulong low, int length, bool isV6) => new(high, low, (byte)length, isV6);

    public static Prefix FromV6(ulong high, ulong low, int length)
    {
        if ((uint)length > 128) throw new ArgumentOutOfRangeException(nameof(length), length, "IPv6 prefix length must be 0..128");
        ulong hm = length >= 64 ? ulong.MaxValue : length == 0 ? 0 : ulong.MaxValue << (64 - length);
        ulong lm = length <= 64 ? 0 : length == 128 ? ulong.MaxValue : ulong.MaxValue << (128 - length);
        return new Prefix(high & hm, low & lm, (byte)length, true);
    }

    /// <summary>
    /// Builds a prefix from the packed NLRI bytes of RFC 4271 §4.3 (only ceil(len/8) octets present).
    /// Returns false if the length is out of range or too few bytes are given. Trailing bits in the
    /// last octet are cleared (RFC 4271 says they are irrelevant).
    /// </summary>
    public static bool TryFromNlri(Afi afi, int length, ReadOnlySpan<byte> bytes, out Prefix prefix)
    {
        prefix = default;
        int max = afi == Afi.Ipv6 ? 128 : 32;
        if ((uint)length > (uint)max) return false;
        int n = (length + 7) >> 3;
        if (bytes.Length < n) return false;
        Span<byte> buf = stackalloc byte[16];
        buf.Clear();
        bytes[..n].CopyTo(buf);
        if (afi == Afi.Ipv6)
            prefix = FromV6(BinaryPrimitives.ReadUInt64BigEndian(buf), BinaryPrimitives.ReadUInt64BigEndian(buf[8..]), length);
        else
            prefix = FromV4(BinaryPrimitives.ReadUInt32BigEndian(buf), length);
        return true;
    }

    /// <summary>Writes the ceil(len/8) significant octets of the address; returns the count.</summary>
    public int WriteNlriBytes(Span<byte> destination)
    {
        int n = (_length + 7) >> 3;
        Span<byte> buf = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(buf, _hi);
        BinaryPrimitives.WriteUInt64BigEndian(buf[8..], _lo);
        buf[..n].CopyTo(destination);
        return n;
    }

    /// <summary>Writes the full address (4 or 16 octets); returns the count.</summary>
    public int WriteAddressBytes(Span<byte> destination)
    {
        if (!_isV6)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, V4Bits);
            return 4;
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination, _hi);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _lo);
        return 16;
    }

    public IPAddress Address
    {
        get
        {
            Span<byte> b = stackalloc byte[16];
            int n = WriteAddressBytes(b);
            return new IPAddress(b[..n]);
        }
    }

    public static Prefix FromAddress(IPAddress address, int length)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int n);
        return address.AddressFamily == SocketFamily.InterNetworkV6
            ? FromV6(BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b[8..]), length)
            : FromV4(BinaryPrimitives.ReadUInt32BigEndian(b[..n]), length);
    }

    /// <summary>Host prefix (/32 or /128) for an address.</summary>
    public static Prefix Host(IPAddress address) =>
        FromAddress(address, address.AddressFamily == SocketFamily.InterNetworkV6 ? 128 : 32);

    /// <summary>True if <paramref name="other"/> lies within this prefix (same family, longer or equal).</summary>
    public bool Contains(Prefix other)
    {
        if (other._isV6 != _isV6 || other._length < _length) return false;
        return FromV6Raw(other, _length) == (_hi, _lo);
    }

    private static (ulong, ulong) FromV6Raw(Prefix p, int length)
    {
        if (!p._isV6)
        {
            ulong m = length == 0 ? 0 : ulong.MaxValue << (64 - length);
            return (p._hi & m, 0);
        }
        var t = FromV6(p._hi, p._lo, length);
        return (t._hi, t._lo);
    }

    public static Prefix Parse(string s) =>
        TryParse(s, out var p) ? p : throw new FormatException($"'{s}' is not a valid prefix (expected A.B.C.D/N or X:X::X/N with no host bits)");

    /// <summary>Parses "A.B.C.D/N" or "X:X::X/N". Host bits must be zero; a bare address is a host prefix.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out Prefix prefix) => TryParse(s, strictHostBits: true, out prefix);

    public static bool TryParse(ReadOnlySpan<char> s, bool strictHostBits, out Prefix prefix)
    {
        prefix = default;
        int slash = s.IndexOf('/');
        ReadOnlySpan<char> addr = slash < 0 ? s : s[..slash];
        if (!IPAddress.TryParse(addr, out var ip)) return false;
        if (ip.AddressFamily is not (SocketFamily.InterNetwork or SocketFamily.InterNetworkV6)) return false;
        bool v6 = ip.AddressFamily == SocketFamily.InterNetworkV6;
        int len = v6 ? 128 : 32;
        if (slash >= 0 && (!int.TryParse(s[(slash + 1)..], System.Globalization.NumberStyles.None, null, out len) || len > (v6 ? 128 : 32)))
            return false;
        var full = FromAddress(ip, v6 ? 128 : 32);
        prefix = FromAddress(ip, len);
        return !strictHostBits || (prefix._hi == full._hi && prefix._lo == full._lo);
    }

    public bool Equals(Prefix other) => _hi == other._hi && _lo == other._lo && _length == other._length && _isV6 == other._isV6;
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is Prefix p && Equals(p);
    public override int GetHashCode() => HashCode.Combine(_hi, _lo, _length | (_isV6 ? 0x100 : 0));
    public static bool operator ==(Prefix a, Prefix b) => a.Equals(b);
    public static bool operator !=(Prefix a, Prefix b) => !a.Equals(b);
    public static bool operator <(Prefix a, Prefix b) => a.CompareTo(b) < 0;
    public static bool operator >(Prefix a, Prefix b) => a.CompareTo(b) > 0;
    public static bool operator <=(Prefix a, Prefix b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Prefix a, Prefix b) => a.CompareTo(b) >= 0;

    public int CompareTo(Prefix other)
    {
        int c = _isV6.CompareTo(other._isV6);
        if (c != 0) return c;
        c = _hi.CompareTo(other._hi);
        if (c != 0) return c;
        c = _lo.CompareTo(other._lo);
        return c != 0 ? c : _length.CompareTo(other._length);
    }

    public override string ToString() => $"{Address}/{_length}";
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        charsWritten = 0;
        if (!Address.TryFormat(destination, out int n)) return false;
        if (!destination[n..].TryWrite(provider, $"/{_length}", out int m)) return false;
        charsWritten = n + m;
        return true;
    }
}
