using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace StackBgp.Bfd.Linux;

/// <summary>An IPv4 or IPv6 address as a value (for allocation-free demultiplexing keys).</summary>
internal readonly record struct BfdAddress(UInt128 Bits, bool IsV6)
{
    public static BfdAddress From(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4
            ? new BfdAddress(BinaryPrimitives.ReadUInt32BigEndian(bytes), false)
            : new BfdAddress(BinaryPrimitives.ReadUInt128BigEndian(bytes), true);
    }

    public static BfdAddress FromV4(ReadOnlySpan<byte> fourOctets) => new(BinaryPrimitives.ReadUInt32BigEndian(fourOctets), false);

    public static BfdAddress FromV6(ReadOnlySpan<byte> sixteenOctets) => new(BinaryPrimitives.ReadUInt128BigEndian(sixteenOctets), true);

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!IsV6)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Bits);
            return new IPAddress(bytes[..4]);
        }
        BinaryPrimitives.WriteUInt128BigEndian(bytes, Bits);
        return new IPAddress(bytes);
    }

    public AddressFamily Family => IsV6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    public override string ToString() => ToIPAddress().ToString();
}

/// <summary>Receive demultiplexing key when Your Discriminator is zero (RFC 5881 §3, RFC 5883 §3).</summary>
internal readonly record struct BfdPeerKey(BfdAddress Peer, BfdAddress Local, int IfIndex, bool Multihop);
