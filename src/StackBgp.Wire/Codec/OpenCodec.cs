using System.Buffers.Binary;
using System.Collections.Immutable;

namespace StackBgp.Wire;

/// <summary>
/// OPEN (RFC 4271 §4.2) with the RFC 9072 extended optional parameters length:
/// <code>
///  +----------+-----------+-----------+-----------------+------------+----------------------+
///  | Version  | My AS (2) | Hold (2)  | BGP Identifier  | Opt Parm   | Optional Parameters  |
///  | (1)      |           |           | (4)             | Len (1)    | type(1) len(1) value |
///  +----------+-----------+-----------+-----------------+------------+----------------------+
///  RFC 9072: Opt Parm Len = 255, then Non-Ext OP Type = 255, Extended Opt Parm Len (2), and each
///  parameter is type (1) len (2) value.
/// </code>
/// Capabilities are optional parameter type 2 (RFC 5492).
/// </summary>
public static class OpenCodec
{
    private const byte CapabilitiesParameter = 2;

    public static bool TryDecode(ReadOnlySpan<byte> body, out OpenMessage? open, out WireError error)
    {
        open = null;
        error = default;
        if (body.Length < 10) return Fail(out error, OpenMessageSubcode.Unspecific, "OPEN shorter than 10 octets");
        byte version = body[0];
        if (version != 4)
        {
            // RFC 4271 §6.2: data = the largest locally supported version number, 2 octets.
            error = WireError.Reset(BgpErrorCode.OpenMessage, (byte)OpenMessageSubcode.UnsupportedVersionNumber, $"version {version}", stackalloc byte[] { 0, 4 });
            return false;
        }
        ushort myAs = BinaryPrimitives.ReadUInt16BigEndian(body[1..]);
        ushort hold = BinaryPrimitives.ReadUInt16BigEndian(body[3..]);
        uint id = BinaryPrimitives.ReadUInt32BigEndian(body[5..]);
        if (hold is 1 or 2) return Fail(out error, OpenMessageSubcode.UnacceptableHoldTime, $"hold time {hold}");
        if (id == 0) return Fail(out error, OpenMessageSubcode.BadBgpIdentifier, "BGP identifier 0.0.0.0");

        int optLen = body[9];
        var rest = body[10..];
        bool extended = false;
        if (optLen == 255 && rest.Length >= 3 && rest[0] == 255)
        {
            // RFC 9072 §2
            extended = true;
            optLen = BinaryPrimitives.ReadUInt16BigEndian(rest[1..]);
            rest = rest[3..];
        }
        if (optLen != rest.Length) return Fail(out error, OpenMessageSubcode.Unspecific, $"optional parameters length {optLen} but {rest.Length} octets follow");

        var caps = ImmutableArray.CreateBuilder<Capability>();
        int capParams = 0;
        bool onePerParam = true;
        int hdr = extended ? 3 : 2;
        for (int p = 0; p < rest.Length;)
        {
            if (rest.Length - p < hdr) return Fail(out error, OpenMessageSubcode.Unspecific, "truncated optional parameter");
            byte type = rest[p];
            int len = extended ? BinaryPrimitives.ReadUInt16BigEndian(rest[(p + 1)..]) : rest[p + 1];
            if (p + hdr + len > rest.Length) return Fail(out error, OpenMessageSubcode.Unspecific, "optional parameter runs past the message");
            var value = rest.Slice(p + hdr, len);
            p += hdr + len;
            if (type != CapabilitiesParameter)
            {
                // RFC 4271 §6.2: data is not specified; we send none.
                return Fail(out error, OpenMessageSubcode.UnsupportedOptionalParameter, $"optional parameter type {type}");
            }
            capParams++;
            int inParam = 0;
            for (int c = 0; c < value.Length;)
            {
                if (value.Length - c < 2) return Fail(out error, OpenMessageSubcode.Unspecific, "truncated capability");
                byte code = value[c];
                int cl = value[c + 1];
                if (c + 2 + cl > value.Length) return Fail(out error, OpenMessageSubcode.Unspecific, $"capability {code} runs past its parameter");
                caps.Add(CapabilityCodec.Decode(code, value.Slice(c + 2, cl)));
                c += 2 + cl;
                inParam++;
            }
            if (inParam != 1) onePerParam = false;
        }

        open = new OpenMessage
        {
            Version = version,
            MyAs = myAs,
            HoldTime = hold,
            BgpId = id,
            Capabilities = caps.ToImmutable(),
            OneCapabilityPerParameter = onePerParam && capParams > 1,
            ExtendedOptionalParameters = extended,
        };
        return true;
    }

    /// <summary>Body length of the encoded OPEN.</summary>
    public static int BodyLength(OpenMessage open)
    {
        ArgumentNullException.ThrowIfNull(open);
        int paramBytes = ParameterBytes(open, extended: false);
        bool ext = open.ExtendedOptionalParameters || paramBytes > 255;
        if (ext) paramBytes = ParameterBytes(open, extended: true);
        return 10 + (ext ? 3 : 0) + paramBytes;
    }

    public static int WriteBody(Span<byte> d, OpenMessage open)
    {
        ArgumentNullException.ThrowIfNull(open);
        int paramBytes = ParameterBytes(open, extended: false);
        bool ext = open.ExtendedOptionalParameters || paramBytes > 255;
        if (ext) paramBytes = ParameterBytes(open, extended: true);
        d[0] = open.Version;
        BinaryPrimitives.WriteUInt16BigEndian(d[1..], open.MyAs);
        BinaryPrimitives.WriteUInt16BigEndian(d[3..], open.HoldTime);
        BinaryPrimitives.WriteUInt32BigEndian(d[5..], open.BgpId);
        int p = 10;
        if (ext)
        {
            d[9] = 255;
            d[10] = 255;
            BinaryPrimitives.WriteUInt16BigEndian(d[11..], (ushort)paramBytes);
            p = 13;
        }
        else d[9] = (byte)paramBytes;

        int hdr = ext ? 3 : 2;
        if (open.OneCapabilityPerParameter)
        {
            foreach (var c in open.Capabilities)
            {
                int n = CapabilityCodec.Write(d[(p + hdr)..], c);
                WriteParamHeader(d[p..], CapabilitiesParameter, n, ext);
                p += hdr + n;
            }
        }
        else if (!open.Capabilities.IsEmpty)
        {
            int start = p;
            p += hdr;
            foreach (var c in open.Capabilities) p += CapabilityCodec.Write(d[p..], c);
            WriteParamHeader(d[start..], CapabilitiesParameter, p - start - hdr, ext);
        }
        foreach (var o in open.OtherParameters)
        {
            WriteParamHeader(d[p..], o.ParameterType, o.Value.Length, ext);
            o.Value.AsSpan().CopyTo(d[(p + hdr)..]);
            p += hdr + o.Value.Length;
        }
        return p;
    }

    private static void WriteParamHeader(Span<byte> d, byte type, int len, bool ext)
    {
        d[0] = type;
        if (ext) BinaryPrimitives.WriteUInt16BigEndian(d[1..], (ushort)len);
        else d[1] = checked((byte)len);
    }

    private static int ParameterBytes(OpenMessage open, bool extended)
    {
        int hdr = extended ? 3 : 2;
        int caps = 0, count = 0;
        foreach (var c in open.Capabilities)
        {
            caps += 2 + CapabilityCodec.ValueLength(c);
            count++;
        }
        int total = open.OneCapabilityPerParameter ? caps + count * hdr : count == 0 ? 0 : caps + hdr;
        foreach (var o in open.OtherParameters) total += hdr + o.Value.Length;
        return total;
    }

    private static bool Fail(out WireError error, OpenMessageSubcode sub, string reason)
    {
        error = WireError.Reset(BgpErrorCode.OpenMessage, (byte)sub, reason);
        return false;
    }
}
