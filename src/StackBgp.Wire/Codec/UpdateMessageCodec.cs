using System.Buffers.Binary;
using System.Collections.Immutable;

namespace StackBgp.Wire;

/// <summary>
/// The <see cref="UpdateMessage"/> value model both ways. This allocates arrays per message (it is for
/// tests, tools and control-plane odds and ends); the receive path uses <see cref="UpdateDecoder"/>.
/// </summary>
public static class UpdateMessageCodec
{
    /// <summary>
    /// Decodes; the RFC 7606 outcome is in <paramref name="errors"/>. Returns null only for a session
    /// reset. The message is returned as found (treat-as-withdraw is not applied to it).
    /// </summary>
    public static UpdateMessage? Decode(ReadOnlySpan<byte> body, in DecodeContext context, out ErrorRecord errors)
    {
        errors = default;
        if (!UpdateReader.TryCreate(body, out var reader, out var err))
        {
            errors.Add(err);
            return null;
        }
        var block = AttributeDecoder.Decode(reader.AttributeBytes, context, ref errors);
        var withdrawn = Collect(reader.Withdrawn(context), ref errors, "withdrawn routes", default);
        var nlri = Collect(reader.Nlri(context), ref errors, "NLRI", default);

        MpReach? reach = null;
        if (block.HasMpReach)
        {
            var st = MpReachReader.TryReadReach(block.MpReach, context, out var fam, out var nh, out var mpNlri, out string? problem);
            if (st == MpParseStatus.Malformed)
                errors.Add(WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.OptionalAttributeError, problem!, block.MpReachWhole));
            else if (st == MpParseStatus.UnsupportedFamily)
                errors.Add(WireError.Update(ErrorAction.AttributeDiscard, UpdateMessageSubcode.OptionalAttributeError, $"MP_REACH_NLRI for unsupported {fam} ignored"));
            else
                reach = new MpReach(fam, nh, Collect(new NlriEnumerator(mpNlri, fam.Afi, context.ReceivesPathId(fam)), ref errors, "MP_REACH_NLRI", block.MpReachWhole));
        }
        MpUnreach? unreach = null;
        if (block.HasMpUnreach)
        {
            var st = MpReachReader.TryReadUnreach(block.MpUnreach, out var fam, out var wd, out string? problem);
            if (st == MpParseStatus.Malformed)
                errors.Add(WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.OptionalAttributeError, problem!, block.MpUnreachWhole));
            else if (st == MpParseStatus.Ok)
                unreach = new MpUnreach(fam, Collect(new NlriEnumerator(wd, fam.Afi, context.ReceivesPathId(fam)), ref errors, "MP_UNREACH_NLRI", block.MpUnreachWhole));
        }

        UpdateDecoder.CheckMandatory(block, !nlri.IsEmpty, reach is { Nlri.IsEmpty: false }, ref errors);
        if (block.IsTruncated && !block.HasMpReach && !block.HasMpUnreach && reader.WithdrawnBytes.IsEmpty && reader.NlriBytes.IsEmpty)
            errors.Add(WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.MalformedAttributeList, "attribute block truncated, NLRI cannot be located"));
        if (errors.Action == ErrorAction.SessionReset) return null;

        // An attribute block holding only MP attributes decodes to no PathAttributes (null), so that
        // encode(decode(x)) reproduces it.
        var attrs = block.Attributes;
        if (attrs is not null && OnlyMp(reader.AttributeBytes, block)) attrs = null;
        return new UpdateMessage { Withdrawn = withdrawn, Attributes = attrs, Nlri = nlri, MpReach = reach, MpUnreach = unreach };
    }

    private static bool OnlyMp(ReadOnlySpan<byte> attributeBytes, in AttributeBlock block) =>
        attributeBytes.Length == (block.HasMpReach ? block.MpReachWhole.Length : 0) + (block.HasMpUnreach ? block.MpUnreachWhole.Length : 0);

    private static ImmutableArray<Nlri> Collect(NlriEnumerator e, ref ErrorRecord errors, string what, ReadOnlySpan<byte> whole)
    {
        var b = ImmutableArray.CreateBuilder<Nlri>();
        while (e.MoveNext()) b.Add(e.Current);
        if (e.IsMalformed)
            errors.Add(whole.IsEmpty
                ? WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.InvalidNetworkField, $"malformed {what}")
                : WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.OptionalAttributeError, $"malformed {what}", whole));
        return b.ToImmutable();
    }

    /// <summary>Body length of the encoded UPDATE.</summary>
    public static int BodyLength(UpdateMessage update, in EncodeContext context) => 4 + SizeParts(update, context, out _, out _, out _);

    private static int SizeParts(UpdateMessage u, in EncodeContext context, out int withdrawn, out int attributes, out int nlri)
    {
        bool ap4 = context.SendsPathId(AddressFamily.Ipv4Unicast);
        withdrawn = 0;
        foreach (var n in u.Withdrawn) withdrawn += NlriWriter.Size(n, ap4);
        nlri = 0;
        foreach (var n in u.Nlri) nlri += NlriWriter.Size(n, ap4);
        attributes = u.Attributes is null ? 0 : AttributeEncoder.Size(u.Attributes, context, includeNextHop: true);
        if (u.MpReach is { } r)
        {
            bool ap = context.SendsPathId(r.Family);
            attributes += 4 + 5 + r.NextHop.WireLength;
            foreach (var n in r.Nlri) attributes += NlriWriter.Size(n, ap);
        }
        if (u.MpUnreach is { } w)
        {
            bool ap = context.SendsPathId(w.Family);
            attributes += 4 + 3;
            foreach (var n in w.Nlri) attributes += NlriWriter.Size(n, ap);
        }
        return withdrawn + attributes + nlri;
    }

    /// <summary>
    /// Writes the body: withdrawn routes, then MP_REACH_NLRI and MP_UNREACH_NLRI first among the
    /// attributes (RFC 7606 §5.1 recommends it), always with Extended Length, then the others.
    /// </summary>
    public static int WriteBody(Span<byte> d, UpdateMessage update, in EncodeContext context)
    {
        ArgumentNullException.ThrowIfNull(update);
        SizeParts(update, context, out int wlen, out int alen, out _);
        bool ap4 = context.SendsPathId(AddressFamily.Ipv4Unicast);
        BinaryPrimitives.WriteUInt16BigEndian(d, checked((ushort)wlen));
        int p = 2;
        foreach (var n in update.Withdrawn) p += NlriWriter.Write(d[p..], n, ap4);
        BinaryPrimitives.WriteUInt16BigEndian(d[p..], checked((ushort)alen));
        p += 2;
        if (update.MpReach is { } r) p += WriteMpReach(d[p..], r.Family, r.NextHop, r.Nlri.AsSpan(), context.SendsPathId(r.Family));
        if (update.MpUnreach is { } w) p += WriteMpUnreach(d[p..], w.Family, w.Nlri.AsSpan(), context.SendsPathId(w.Family));
        if (update.Attributes is { } a) p += AttributeEncoder.Write(d[p..], a, context, includeNextHop: true);
        foreach (var n in update.Nlri) p += NlriWriter.Write(d[p..], n, ap4);
        return p;
    }

    /// <summary>MP_REACH_NLRI with Extended Length (RFC 4760 §3); returns octets written.</summary>
    public static int WriteMpReach(Span<byte> d, AddressFamily family, NextHop nextHop, ReadOnlySpan<Nlri> nlri, bool addPath)
    {
        int p = 4;
        BinaryPrimitives.WriteUInt16BigEndian(d[p..], (ushort)family.Afi);
        d[p + 2] = (byte)family.Safi;
        d[p + 3] = (byte)nextHop.WireLength;
        p += 4;
        p += nextHop.Write(d[p..]);
        d[p++] = 0; // Reserved
        foreach (var n in nlri) p += NlriWriter.Write(d[p..], n, addPath);
        WriteExtHeader(d, AttributeCode.MpReachNlri, p - 4);
        return p;
    }

    /// <summary>MP_UNREACH_NLRI with Extended Length (RFC 4760 §4); returns octets written.</summary>
    public static int WriteMpUnreach(Span<byte> d, AddressFamily family, ReadOnlySpan<Nlri> nlri, bool addPath)
    {
        int p = 4;
        BinaryPrimitives.WriteUInt16BigEndian(d[p..], (ushort)family.Afi);
        d[p + 2] = (byte)family.Safi;
        p += 3;
        foreach (var n in nlri) p += NlriWriter.Write(d[p..], n, addPath);
        WriteExtHeader(d, AttributeCode.MpUnreachNlri, p - 4);
        return p;
    }

    internal static void WriteExtHeader(Span<byte> d, AttributeCode code, int len)
    {
        d[0] = (byte)(AttributeFlags.Optional | AttributeFlags.ExtendedLength);
        d[1] = (byte)code;
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], checked((ushort)len));
    }
}
