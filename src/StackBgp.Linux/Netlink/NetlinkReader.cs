using System.Buffers.Binary;
using System.Net;

namespace StackBgp.Linux.Netlink;

/// <summary>One netlink message inside a received datagram (a view, nothing copied).</summary>
internal readonly ref struct NetlinkMessage
{
    public NetlinkMessage(ushort type, ushort flags, uint seq, uint portId, ReadOnlySpan<byte> payload)
    {
        Type = type;
        Flags = flags;
        Seq = seq;
        PortId = portId;
        Payload = payload;
    }

    public ushort Type { get; }
    public ushort Flags { get; }
    public uint Seq { get; }
    public uint PortId { get; }
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>For NLMSG_ERROR: the (positive) errno, 0 for an ACK; the sequence number of the
    /// request it answers and the kernel's extended-ack text if present.</summary>
    public int ReadError(out string? kernelMessage)
    {
        kernelMessage = null;
        if (Payload.Length < 4)
        {
            return Errno.EIO;
        }

        int error = -BinaryPrimitives.ReadInt32LittleEndian(Payload);
        // struct nlmsgerr { int error; struct nlmsghdr msg; } then, with NLM_F_ACK_TLVS, attributes.
        // With NETLINK_CAP_ACK (NLM_F_CAPPED) only the request header was echoed back.
        if ((Flags & Nl.FAckTlvs) != 0 && Payload.Length >= 4 + Nl.HeaderLength)
        {
            int echoed = (Flags & Nl.FCapped) != 0
                ? Nl.HeaderLength
                : (int)BinaryPrimitives.ReadUInt32LittleEndian(Payload[4..]);
            int offset = 4 + Nl.Align(echoed);
            if (offset <= Payload.Length)
            {
                var attrs = new AttributeReader(Payload[offset..]);
                while (attrs.TryRead(out ushort type, out ReadOnlySpan<byte> value))
                {
                    if (type == Nl.ErrAttrMsg)
                    {
                        int end = value.IndexOf((byte)0);
                        kernelMessage = System.Text.Encoding.ASCII.GetString(end >= 0 ? value[..end] : value);
                    }
                }
            }
        }

        return error;
    }
}

/// <summary>Walks the messages of a datagram; stops at the first malformed length.</summary>
internal ref struct NetlinkMessageReader
{
    private ReadOnlySpan<byte> _rest;

    public NetlinkMessageReader(ReadOnlySpan<byte> datagram) => _rest = datagram;

    public bool TryRead(out NetlinkMessage message)
    {
        if (_rest.Length < Nl.HeaderLength)
        {
            message = default;
            return false;
        }

        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(_rest);
        if (length < Nl.HeaderLength || length > _rest.Length)
        {
            message = default;
            _rest = default;
            return false;
        }

        message = new NetlinkMessage(
            BinaryPrimitives.ReadUInt16LittleEndian(_rest[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(_rest[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(_rest[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(_rest[12..]),
            _rest[Nl.HeaderLength..length]);
        int next = Nl.Align(length);
        _rest = next >= _rest.Length ? default : _rest[next..];
        return true;
    }
}

/// <summary>Walks rtattr/nlattr TLVs (type with the nested/byte-order bits masked off).</summary>
internal ref struct AttributeReader
{
    private ReadOnlySpan<byte> _rest;

    public AttributeReader(ReadOnlySpan<byte> attributes) => _rest = attributes;

    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value)
    {
        if (_rest.Length < Nl.AttrHeaderLength)
        {
            type = 0;
            value = default;
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
        if (length < Nl.AttrHeaderLength || length > _rest.Length)
        {
            type = 0;
            value = default;
            _rest = default;
            return false;
        }

        type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]) & Nl.AttrTypeMask);
        value = _rest[Nl.AttrHeaderLength..length];
        int next = Nl.Align(length);
        _rest = next >= _rest.Length ? default : _rest[next..];
        return true;
    }

    public static uint U32(ReadOnlySpan<byte> value) => value.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(value) : 0;

    public static IPAddress? Address(ReadOnlySpan<byte> value) =>
        value.Length is 4 or 16 ? new IPAddress(value) : null;

    /// <summary>RTA_VIA value: u16 family then the address.</summary>
    public static IPAddress? Via(ReadOnlySpan<byte> value) =>
        value.Length >= 2 ? Address(value[2..]) : null;

    public static string String(ReadOnlySpan<byte> value)
    {
        int end = value.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(end >= 0 ? value[..end] : value);
    }
}
