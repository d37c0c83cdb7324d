using System.Buffers.Binary;

namespace StackBgp.Wire;

/// <summary>
/// Encodes a <see cref="PathAttributes"/> (everything but MP_REACH/MP_UNREACH) in type-code order.
/// Flags are the ones each attribute's RFC prescribes, plus Partial on passed-on unknown attributes and
/// on known ones received with it (<see cref="PathAttributes.PartialMask"/>),
/// Extended Length only when the value exceeds 255 octets. For a 2-octet peer AS_PATH/AGGREGATOR carry
/// AS_TRANS and AS4_PATH/AS4_AGGREGATOR carry the real ASNs (RFC 6793 §4.2.2).
/// </summary>
public static class AttributeEncoder
{
    private const AttributeFlags WellKnown = AttributeFlags.Transitive;
    private const AttributeFlags OptTrans = AttributeFlags.Optional | AttributeFlags.Transitive;
    private const AttributeFlags OptNonTrans = AttributeFlags.Optional;

    /// <summary>Encoded size. <paramref name="includeNextHop"/>: write the NEXT_HOP attribute (IPv4 body NLRI).</summary>
    public static int Size(PathAttributes attrs, in EncodeContext context, bool includeNextHop) =>
        Size(new AttributeView(attrs), context, includeNextHop);

    /// <summary>Encoded size of a view (see <see cref="AttributeView"/>).</summary>
    public static int Size(in AttributeView attrs, in EncodeContext context, bool includeNextHop)
    {
        if (attrs.IsNone) throw new ArgumentException("no attributes", nameof(attrs));
        bool four = context.FourOctetAs;
        int n = Tlv(1) + Tlv(AsPathCodec.Size(attrs.AsPath, four, prepend: attrs.PrependAs));
        if (includeNextHop && attrs.NextHop.IsIpv4) n += Tlv(4);
        if (attrs.Med.HasValue) n += Tlv(4);
        if (attrs.LocalPref.HasValue) n += Tlv(4);
        if (attrs.AtomicAggregate) n += Tlv(0);
        if (attrs.Aggregator.HasValue) n += Tlv(four ? 8 : 6);
        if (!attrs.Communities.IsEmpty) n += Tlv(4 * attrs.Communities.Length);
        if (attrs.OriginatorId.HasValue) n += Tlv(4);
        if (!attrs.ClusterList.IsEmpty) n += Tlv(4 * attrs.ClusterList.Length);
        if (!attrs.ExtendedCommunities.IsEmpty) n += Tlv(8 * attrs.ExtendedCommunities.Length);
        if (!four && NeedsAs4Path(attrs)) n += Tlv(AsPathCodec.Size(attrs.AsPath, true, skipConfed: true, prepend: attrs.PrependAs));
        if (!four && attrs.Aggregator is { Asn: > ushort.MaxValue }) n += Tlv(8);
        if (!attrs.LargeCommunities.IsEmpty) n += Tlv(12 * attrs.LargeCommunities.Length);
        if (attrs.Otc.HasValue) n += Tlv(4);
        foreach (var u in attrs.Unknown) n += Tlv(u.Value.Length);
        return n;
    }

    /// <summary>Writes the attributes; returns the octets written.</summary>
    public static int Write(Span<byte> d, PathAttributes attrs, in EncodeContext context, bool includeNextHop) =>
        Write(d, new AttributeView(attrs), context, includeNextHop);

    /// <summary>Writes a view's attributes (see <see cref="AttributeView"/>); returns the octets written.</summary>
    public static int Write(Span<byte> d, in AttributeView attrs, in EncodeContext context, bool includeNextHop)
    {
        if (attrs.IsNone) throw new ArgumentException("no attributes", nameof(attrs));
        bool four = context.FourOctetAs;
        int p = 0, u = 0;
        ulong partial = attrs.PartialMask;
        AttributeFlags OptTransFor(AttributeCode c) =>
            (partial & (1UL << (int)c)) != 0 ? OptTrans | AttributeFlags.Partial : OptTrans;
        var unknown = attrs.Unknown.AsSpan();

        void Unknown(Span<byte> dd, ref int pp, ref int uu, int below, ReadOnlySpan<UnknownAttribute> unk)
        {
            while (uu < unk.Length && unk[uu].Code < below)
            {
                var x = unk[uu++];
                pp += Header(dd[pp..], x.Flags, x.Code, x.Value.Length);
                x.Value.AsSpan().CopyTo(dd[pp..]);
                pp += x.Value.Length;
            }
        }

        Unknown(d, ref p, ref u, (byte)AttributeCode.Origin, unknown);
        p += Header(d[p..], WellKnown, AttributeCode.Origin, 1);
        d[p++] = (byte)attrs.Origin;

        int asLen = AsPathCodec.Size(attrs.AsPath, four, prepend: attrs.PrependAs);
        p += Header(d[p..], WellKnown, AttributeCode.AsPath, asLen);
        p += AsPathCodec.Write(d[p..], attrs.AsPath, four, prepend: attrs.PrependAs);

        if (includeNextHop && attrs.NextHop.IsIpv4) p += U32(d[p..], WellKnown, AttributeCode.NextHop, attrs.NextHop.V4);
        if (attrs.Med is { } med) p += U32(d[p..], OptNonTrans, AttributeCode.MultiExitDisc, med);
        if (attrs.LocalPref is { } lp) p += U32(d[p..], WellKnown, AttributeCode.LocalPref, lp);
        if (attrs.AtomicAggregate) p += Header(d[p..], WellKnown, AttributeCode.AtomicAggregate, 0);
        if (attrs.Aggregator is { } ag)
        {
            p += Header(d[p..], OptTransFor(AttributeCode.Aggregator), AttributeCode.Aggregator, four ? 8 : 6);
            if (four)
            {
                BinaryPrimitives.WriteUInt32BigEndian(d[p..], ag.Asn);
                p += 4;
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(d[p..], Asn.ToTwoOctet(ag.Asn));
                p += 2;
            }
            BinaryPrimitives.WriteUInt32BigEndian(d[p..], ag.Address);
            p += 4;
        }
        if (!attrs.Communities.IsEmpty) p += U32s(d[p..], OptTransFor(AttributeCode.Communities), AttributeCode.Communities, attrs.Communities.AsSpan());
        if (attrs.OriginatorId is { } oid) p += U32(d[p..], OptNonTrans, AttributeCode.OriginatorId, oid);
        if (!attrs.ClusterList.IsEmpty) p += U32s(d[p..], OptNonTrans, AttributeCode.ClusterList, attrs.ClusterList.AsSpan());
        Unknown(d, ref p, ref u, (byte)AttributeCode.ExtendedCommunities, unknown);
        if (!attrs.ExtendedCommunities.IsEmpty)
        {
            p += Header(d[p..], OptTransFor(AttributeCode.ExtendedCommunities), AttributeCode.ExtendedCommunities, 8 * attrs.ExtendedCommunities.Length);
            foreach (ulong c in attrs.ExtendedCommunities)
            {
                BinaryPrimitives.WriteUInt64BigEndian(d[p..], c);
                p += 8;
            }
        }
        if (!four && NeedsAs4Path(attrs))
        {
            int n = AsPathCodec.Size(attrs.AsPath, true, skipConfed: true, prepend: attrs.PrependAs);
            p += Header(d[p..], OptTrans, AttributeCode.As4Path, n);
            p += AsPathCodec.Write(d[p..], attrs.AsPath, true, skipConfed: true, prepend: attrs.PrependAs);
        }
        if (!four && attrs.Aggregator is { Asn: > ushort.MaxValue } ag4)
        {
            p += Header(d[p..], OptTrans, AttributeCode.As4Aggregator, 8);
            BinaryPrimitives.WriteUInt32BigEndian(d[p..], ag4.Asn);
            BinaryPrimitives.WriteUInt32BigEndian(d[(p + 4)..], ag4.Address);
            p += 8;
        }
        Unknown(d, ref p, ref u, (byte)AttributeCode.LargeCommunities, unknown);
        if (!attrs.LargeCommunities.IsEmpty)
        {
            p += Header(d[p..], OptTransFor(AttributeCode.LargeCommunities), AttributeCode.LargeCommunities, 12 * attrs.LargeCommunities.Length);
            foreach (var c in attrs.LargeCommunities)
            {
                BinaryPrimitives.WriteUInt32BigEndian(d[p..], c.GlobalAdministrator);
                BinaryPrimitives.WriteUInt32BigEndian(d[(p + 4)..], c.LocalData1);
                BinaryPrimitives.WriteUInt32BigEndian(d[(p + 8)..], c.LocalData2);
                p += 12;
            }
        }
        Unknown(d, ref p, ref u, (byte)AttributeCode.Otc, unknown);
        if (attrs.Otc is { } otc) p += U32(d[p..], OptTransFor(AttributeCode.Otc), AttributeCode.Otc, otc);
        Unknown(d, ref p, ref u, 256, unknown);
        return p;
    }

    /// <summary>AS4_PATH is sent to a 2-octet peer only when some ASN outside confederation segments needs 4 octets.</summary>
    private static bool NeedsAs4Path(in AttributeView attrs)
    {
        if (attrs.PrependAs > ushort.MaxValue) return true;
        var path = attrs.AsPath;
        foreach (var s in path.EnumerateSegments())
        {
            if (s.IsConfed) continue;
            foreach (uint a in s.Asns)
                if (a > ushort.MaxValue) return true;
        }
        return false;
    }

    private static int Tlv(int len) => (len > 255 ? 4 : 3) + len;

    /// <summary>Flags (1) | Type (1) | Length (1, or 2 with Extended Length) — RFC 4271 §4.3.</summary>
    internal static int Header(Span<byte> d, AttributeFlags flags, AttributeCode code, int len) => Header(d, flags, (byte)code, len);

    internal static int Header(Span<byte> d, AttributeFlags flags, byte code, int len)
    {
        if (len > 255)
        {
            d[0] = (byte)(flags | AttributeFlags.ExtendedLength);
            d[1] = code;
            BinaryPrimitives.WriteUInt16BigEndian(d[2..], checked((ushort)len));
            return 4;
        }
        d[0] = (byte)(flags & ~AttributeFlags.ExtendedLength);
        d[1] = code;
        d[2] = (byte)len;
        return 3;
    }

    private static int U32(Span<byte> d, AttributeFlags flags, AttributeCode code, uint value)
    {
        int h = Header(d, flags, code, 4);
        BinaryPrimitives.WriteUInt32BigEndian(d[h..], value);
        return h + 4;
    }

    private static int U32s(Span<byte> d, AttributeFlags flags, AttributeCode code, ReadOnlySpan<uint> values)
    {
        int p = Header(d, flags, code, 4 * values.Length);
        foreach (uint v in values)
        {
            BinaryPrimitives.WriteUInt32BigEndian(d[p..], v);
            p += 4;
        }
        return p;
    }
}
