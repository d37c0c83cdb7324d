using System.Buffers;
using System.Buffers.Binary;

namespace StackBgp.Wire;

/// <summary>
/// Packs many prefixes that share one <see cref="PathAttributes"/> into as few UPDATEs as fit in the
/// negotiated maximum (4096, or 65535 with RFC 8654). IPv4 unicast goes in the UPDATE body with a
/// NEXT_HOP attribute, or in MP_REACH_NLRI when <see cref="EncodeContext.Ipv4ViaMpReach"/> is set or the
/// next hop is IPv6 (RFC 8950); IPv6 always in MP_REACH_NLRI. Path ids are written for families in
/// <see cref="EncodeContext.AddPathSend"/>. The attributes are encoded once per call.
/// </summary>
public static class UpdatePacker
{
    private const int MpReachFixed = 4 + 5; // extended attribute header + AFI/SAFI/NH length/Reserved
    private const int MpUnreachFixed = 4 + 3;

    /// <summary>Writes the UPDATEs announcing <paramref name="nlri"/>; returns how many messages were written.</summary>
    public static int WriteAnnouncements(IBufferWriter<byte> writer, AddressFamily family, PathAttributes attributes,
        ReadOnlySpan<Nlri> nlri, in EncodeContext context) =>
        WriteAnnouncements(writer, family, new AttributeView(attributes), nlri, context);

    /// <summary>The same for a view of the attributes (see <see cref="AttributeView"/>).</summary>
    public static int WriteAnnouncements(IBufferWriter<byte> writer, AddressFamily family, in AttributeView attributes,
        ReadOnlySpan<Nlri> nlri, in EncodeContext context)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (attributes.IsNone) throw new ArgumentException("no attributes", nameof(attributes));
        if (nlri.IsEmpty) return 0;
        var nh = attributes.NextHop;
        if (nh.IsNone) throw new ArgumentException("announcements need a next hop", nameof(attributes));
        if (family == AddressFamily.Ipv6Unicast && !nh.IsIpv6) throw new ArgumentException("IPv6 routes need an IPv6 next hop", nameof(attributes));
        bool body = family == AddressFamily.Ipv4Unicast && !context.Ipv4ViaMpReach && nh.IsIpv4;
        bool addPath = context.SendsPathId(family);
        int max = context.MaxMessageLength;

        int attrLen = AttributeEncoder.Size(attributes, context, includeNextHop: body);
        byte[] attrBuf = ArrayPool<byte>.Shared.Rent(Math.Max(attrLen, 1));
        try
        {
            AttributeEncoder.Write(attrBuf, attributes, context, includeNextHop: body);
            var attrBytes = attrBuf.AsSpan(0, attrLen);
            int fixedLen = BgpFraming.HeaderLength + 4 + attrLen + (body ? 0 : MpReachFixed + nh.WireLength);
            int budget = max - fixedLen;
            if (budget < NlriWriter.Size(nlri[0], addPath))
                throw new ArgumentException($"path attributes of {attrLen} octets leave no room for NLRI in a {max}-octet message", nameof(attributes));

            int messages = 0;
            while (!nlri.IsEmpty)
            {
                int count = Fit(nlri, addPath, budget, out int nlriBytes);
                int len = fixedLen + nlriBytes;
                var d = writer.GetSpan(len);
                int p = BgpFraming.HeaderLength;
                BinaryPrimitives.WriteUInt16BigEndian(d[p..], 0); // no withdrawn routes
                p += 2;
                int totalAttr = attrLen + (body ? 0 : MpReachFixed + nh.WireLength + nlriBytes);
                BinaryPrimitives.WriteUInt16BigEndian(d[p..], (ushort)totalAttr);
                p += 2;
                if (body)
                {
                    attrBytes.CopyTo(d[p..]);
                    p += attrLen;
                    foreach (var n in nlri[..count]) p += NlriWriter.Write(d[p..], n, addPath);
                }
                else
                {
                    // MP_REACH_NLRI first (RFC 7606 §5.1), then the other attributes.
                    p += UpdateMessageCodec.WriteMpReach(d[p..], family, nh, nlri[..count], addPath);
                    attrBytes.CopyTo(d[p..]);
                    p += attrLen;
                }
                BgpFraming.WriteHeader(d, p, BgpMessageType.Update);
                writer.Advance(p);
                messages++;
                nlri = nlri[count..];
            }
            return messages;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(attrBuf);
        }
    }

    /// <summary>Writes the UPDATEs withdrawing <paramref name="nlri"/>; returns how many messages were written.</summary>
    public static int WriteWithdrawals(IBufferWriter<byte> writer, AddressFamily family, ReadOnlySpan<Nlri> nlri, in EncodeContext context)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (nlri.IsEmpty) return 0;
        bool body = family == AddressFamily.Ipv4Unicast && !context.Ipv4ViaMpReach;
        bool addPath = context.SendsPathId(family);
        int fixedLen = BgpFraming.HeaderLength + 4 + (body ? 0 : MpUnreachFixed);
        int budget = context.MaxMessageLength - fixedLen;
        int messages = 0;
        while (!nlri.IsEmpty)
        {
            int count = Fit(nlri, addPath, budget, out int nlriBytes);
            int len = fixedLen + nlriBytes;
            var d = writer.GetSpan(len);
            int p = BgpFraming.HeaderLength;
            if (body)
            {
                BinaryPrimitives.WriteUInt16BigEndian(d[p..], (ushort)nlriBytes);
                p += 2;
                foreach (var n in nlri[..count]) p += NlriWriter.Write(d[p..], n, addPath);
                BinaryPrimitives.WriteUInt16BigEndian(d[p..], 0);
                p += 2;
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(d[p..], 0);
                BinaryPrimitives.WriteUInt16BigEndian(d[(p + 2)..], (ushort)(MpUnreachFixed + nlriBytes));
                p += 4;
                p += UpdateMessageCodec.WriteMpUnreach(d[p..], family, nlri[..count], addPath);
            }
            BgpFraming.WriteHeader(d, p, BgpMessageType.Update);
            writer.Advance(p);
            messages++;
            nlri = nlri[count..];
        }
        return messages;
    }

    /// <summary>End-of-RIB marker (RFC 4724 §2): empty UPDATE for IPv4 unicast, empty MP_UNREACH_NLRI otherwise.</summary>
    public static int WriteEndOfRib(IBufferWriter<byte> writer, AddressFamily family)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return MessageCodec.Write(writer, UpdateMessage.EndOfRib(family), default);
    }

    private static int Fit(ReadOnlySpan<Nlri> nlri, bool addPath, int budget, out int bytes)
    {
        bytes = 0;
        int i = 0;
        for (; i < nlri.Length; i++)
        {
            int s = NlriWriter.Size(nlri[i], addPath);
            if (bytes + s > budget) break;
            bytes += s;
        }
        return i;
    }
}
