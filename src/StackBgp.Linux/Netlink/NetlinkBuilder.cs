using System.Buffers.Binary;
using System.Net;

namespace StackBgp.Linux.Netlink;

/// <summary>
/// Appends netlink messages to one reusable buffer (many messages per datagram).
/// <code>
///   nlmsghdr: | len u32 | type u16 | flags u16 | seq u32 | pid u32 |  (host order)
///   rtattr:   | len u16 | type u16 | value ... | pad to 4 |
/// </code>
/// </summary>
internal sealed class NetlinkBuilder
{
    private byte[] _buffer;
    private int _length;

    public NetlinkBuilder(int capacity = 64 * 1024) => _buffer = new byte[capacity];

    public int Length => _length;
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public void Reset() => _length = 0;

    /// <summary>Truncates to a length returned earlier (drops a message that did not fit).</summary>
    public void Truncate(int length) => _length = length;

    /// <summary>Clears flag bits of the message that starts at <paramref name="start"/>.</summary>
    public void ClearFlags(int start, ushort flags)
    {
        Span<byte> f = _buffer.AsSpan(start + 6, 2);
        BinaryPrimitives.WriteUInt16LittleEndian(f, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(f) & ~flags));
    }

    public int BeginMessage(ushort type, ushort flags, uint seq)
    {
        int start = _length;
        Span<byte> h = Reserve(Nl.HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], seq);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0);
        return start;
    }

    public void EndMessage(int start) =>
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(start), (uint)(_length - start));

    /// <summary>Reserves <paramref name="length"/> zeroed bytes (padded to 4).</summary>
    public Span<byte> Reserve(int length)
    {
        int aligned = Nl.Align(length);
        EnsureCapacity(aligned);
        Span<byte> span = _buffer.AsSpan(_length, aligned);
        span.Clear();
        _length += aligned;
        return span[..length];
    }

    public Span<byte> Attribute(ushort type, int valueLength)
    {
        Span<byte> a = Reserve(Nl.AttrHeaderLength + valueLength);
        BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)(Nl.AttrHeaderLength + valueLength));
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], type);
        return a[Nl.AttrHeaderLength..];
    }

    public void PutU32(ushort type, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Attribute(type, 4), value);

    public void PutU8(ushort type, byte value) => Attribute(type, 1)[0] = value;

    public void PutString(ushort type, string value)
    {
        Span<byte> v = Attribute(type, value.Length + 1);
        for (int i = 0; i < value.Length; i++)
        {
            v[i] = (byte)value[i];
        }
    }

    public void PutAddress(ushort type, IPAddress address)
    {
        Span<byte> v = Attribute(type, AddressLength(address));
        _ = address.TryWriteBytes(v, out _);
    }

    /// <summary>RTA_VIA: struct rtvia { u16 family; u8 addr[]; } — a gateway of another family.</summary>
    public void PutVia(IPAddress address)
    {
        Span<byte> v = Attribute(Rta.Via, 2 + AddressLength(address));
        BinaryPrimitives.WriteUInt16LittleEndian(v, FamilyOf(address));
        _ = address.TryWriteBytes(v[2..], out _);
    }

    public int BeginNested(ushort type)
    {
        int start = _length;
        _ = Attribute(type, 0);
        return start;
    }

    public void EndNested(int start) =>
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(start), (ushort)(_length - start));

    /// <summary>struct rtnexthop { u16 len; u8 flags; u8 hops; i32 ifindex; } then attributes.</summary>
    public int BeginRtNextHop(byte flags, byte hops, int ifIndex)
    {
        int start = _length;
        Span<byte> n = Reserve(Rta.RtNextHopLength);
        n[2] = flags;
        n[3] = hops;
        BinaryPrimitives.WriteInt32LittleEndian(n[4..], ifIndex);
        return start;
    }

    public void EndRtNextHop(int start) => EndNested(start);

    public static int AddressLength(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 16 : 4;

    public static byte FamilyOf(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? Af.Inet6 : Af.Inet;

    private void EnsureCapacity(int extra)
    {
        if (_length + extra > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
        }
    }
}
