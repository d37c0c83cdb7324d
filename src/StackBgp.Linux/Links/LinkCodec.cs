using System.Buffers.Binary;
using System.Net;
using StackBgp.Linux.Netlink;

namespace StackBgp.Linux.Links;

/// <summary>Decoding of RTM_NEWLINK, RTM_NEWADDR/DELADDR and RTM_NEWNEIGH/DELNEIGH payloads.</summary>
internal static class LinkCodec
{
    /// <summary>ifinfomsg: | family | pad | type u16 | index i32 | flags u32 | change u32 | attrs…</summary>
    public static LinkInfo? DecodeLink(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < Ifla.IfInfoMsgLength)
        {
            return null;
        }

        int index = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        var flags = (InterfaceFlags)BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        string name = "";
        var oper = LinkOperState.Unknown;
        int mtu = 0;
        string? lladdr = null;
        var attrs = new AttributeReader(payload[Ifla.IfInfoMsgLength..]);
        while (attrs.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            switch (type)
            {
                case Ifla.IfName: name = AttributeReader.String(value); break;
                case Ifla.OperState: oper = value.Length > 0 ? (LinkOperState)value[0] : LinkOperState.Unknown; break;
                case Ifla.Mtu: mtu = (int)AttributeReader.U32(value); break;
                case Ifla.Address: lladdr = FormatHardwareAddress(value); break;
            }
        }

        return new LinkInfo(index, name, flags, oper, mtu) { LinkLayerAddress = lladdr };
    }

    /// <summary>ifaddrmsg: | family | prefixlen | flags u8 | scope | index u32 | attrs… ;
    /// IFA_FLAGS (u32) supersedes the 8-bit flags. IPv4 uses IFA_LOCAL for the local address
    /// (IFA_ADDRESS is the peer on point-to-point links).</summary>
    public static InterfaceAddress? DecodeAddress(ReadOnlySpan<byte> payload, Func<int, string?>? ifName)
    {
        if (payload.Length < Ifa.IfAddrMsgLength)
        {
            return null;
        }

        byte family = payload[0];
        if (family != Af.Inet && family != Af.Inet6)
        {
            return null;
        }

        int prefixLength = payload[1];
        uint flags = payload[2];
        byte scope = payload[3];
        int index = (int)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        IPAddress? address = null, local = null;
        string? label = null;
        var attrs = new AttributeReader(payload[Ifa.IfAddrMsgLength..]);
        while (attrs.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            switch (type)
            {
                case Ifa.Address: address = AttributeReader.Address(value); break;
                case Ifa.Local: local = AttributeReader.Address(value); break;
                case Ifa.Flags: flags = AttributeReader.U32(value); break;
                case Ifa.Label: label = AttributeReader.String(value); break;
            }
        }

        IPAddress? a = local ?? address;
        if (a is null)
        {
            return null;
        }

        string? name = ifName?.Invoke(index);
        if (name is null && label is not null && !label.Contains(':', StringComparison.Ordinal))
        {
            name = label;
        }

        return new InterfaceAddress(index, name, a, prefixLength, scope, (AddressFlags)flags);
    }

    /// <summary>ndmsg: | family | pad | pad u16 | ifindex i32 | state u16 | flags u8 | type u8 | attrs…</summary>
    public static NeighborEntry? DecodeNeighbor(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < Nda.NdMsgLength)
        {
            return null;
        }

        int index = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        var state = (NeighborState)BinaryPrimitives.ReadUInt16LittleEndian(payload[8..]);
        byte flags = payload[10];
        IPAddress? dst = null;
        string? ll = null;
        var attrs = new AttributeReader(payload[Nda.NdMsgLength..]);
        while (attrs.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            if (type == Nda.Dst)
            {
                dst = AttributeReader.Address(value);
            }
            else if (type == Nda.LlAddr)
            {
                ll = FormatHardwareAddress(value);
            }
        }

        return dst is null ? null : new NeighborEntry(index, dst, ll, state, flags);
    }

    public static string FormatHardwareAddress(ReadOnlySpan<byte> value)
    {
        var sb = new System.Text.StringBuilder(value.Length * 3);
        foreach (byte b in value)
        {
            if (sb.Length > 0)
            {
                sb.Append(':');
            }

            sb.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    public static byte[] ParseHardwareAddress(string text) =>
        text.Split(':').Select(p => byte.Parse(p, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public static void EncodeDump(NetlinkBuilder b, ushort type, byte family, uint seq)
    {
        int start = b.BeginMessage(type, Nl.FRequest | Nl.FAck | Nl.FDump, seq);
        int headerLength = type switch
        {
            Rtm.GetLink => Ifla.IfInfoMsgLength,
            Rtm.GetAddr => Ifa.IfAddrMsgLength,
            _ => Nda.NdMsgLength,
        };
        Span<byte> h = b.Reserve(headerLength);
        h[0] = family;
        b.EndMessage(start);
    }
}
