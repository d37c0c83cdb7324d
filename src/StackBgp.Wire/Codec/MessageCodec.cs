using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;

namespace StackBgp.Wire;

/// <summary>
/// Decodes and encodes whole messages of the value model (<see cref="BgpMessage"/>).
/// Decoding never throws on malformed input; errors come back as <see cref="WireError"/>.
/// </summary>
public static class MessageCodec
{
    /// <summary>
    /// Decodes one message body. Returns false for a session-fatal error (<paramref name="error"/> says
    /// which NOTIFICATION to send). For UPDATE, non-fatal RFC 7606 outcomes are returned in
    /// <paramref name="error"/> (the strongest) with true.
    /// </summary>
    public static bool TryDecode(BgpMessageType type, ReadOnlySpan<byte> body, in DecodeContext context,
        out BgpMessage? message, out WireError? error)
    {
        message = null;
        error = null;
        switch (type)
        {
            case BgpMessageType.Open:
            {
                bool ok = OpenCodec.TryDecode(body, out var open, out var e);
                message = open;
                if (!ok) error = e;
                return ok;
            }
            case BgpMessageType.Update:
            {
                var u = UpdateMessageCodec.Decode(body, context, out var errors);
                message = u;
                error = errors.Strongest;
                return u is not null;
            }
            case BgpMessageType.Notification:
                if (body.Length < 2) return Fail(out error, BgpErrorCode.MessageHeader, (byte)MessageHeaderSubcode.BadMessageLength, "NOTIFICATION shorter than 2 octets");
                message = new NotificationMessage((BgpErrorCode)body[0], body[1], ImmutableArray.Create(body[2..].ToArray()));
                return true;
            case BgpMessageType.Keepalive:
                if (!body.IsEmpty) return Fail(out error, BgpErrorCode.MessageHeader, (byte)MessageHeaderSubcode.BadMessageLength, "KEEPALIVE with a body");
                message = KeepaliveMessage.Instance;
                return true;
            case BgpMessageType.RouteRefresh:
            {
                // AFI (2) | Message Subtype (1) | SAFI (1)   RFC 2918 §3, RFC 7313 §3
                if (body.Length < 4) return Fail(out error, BgpErrorCode.MessageHeader, (byte)MessageHeaderSubcode.BadMessageLength, "ROUTE-REFRESH shorter than 4 octets");
                var sub = (RouteRefreshSubtype)body[2];
                if (body.Length != 4 && sub is RouteRefreshSubtype.BeginningOfRouteRefresh or RouteRefreshSubtype.EndOfRouteRefresh)
                {
                    // RFC 7313 §5: the data is the complete ROUTE-REFRESH message, header included.
                    var whole = new byte[BgpFraming.HeaderLength + body.Length];
                    BgpFraming.WriteHeader(whole, whole.Length, BgpMessageType.RouteRefresh);
                    body.CopyTo(whole.AsSpan(BgpFraming.HeaderLength));
                    return Fail(out error, BgpErrorCode.RouteRefreshMessage, (byte)RouteRefreshSubcode.InvalidMessageLength, "BoRR/EoRR with a body longer than 4 octets", whole);
                }
                // Subtype 0 may be followed by ORF entries (RFC 5291), which we do not use; reserved
                // subtypes are returned as they are and the session ignores them (RFC 7313 §5).
                message = new RouteRefreshMessage(new AddressFamily((Afi)BinaryPrimitives.ReadUInt16BigEndian(body), (Safi)body[3]), sub);
                return true;
            }
            default:
                return Fail(out error, BgpErrorCode.MessageHeader, (byte)MessageHeaderSubcode.BadMessageType, $"unknown message type {(byte)type}", stackalloc byte[] { (byte)type });
        }
    }

    /// <summary>Decodes a whole message including the header (used by tools and tests).</summary>
    public static bool TryDecodeMessage(ReadOnlySpan<byte> message, in DecodeContext context, out BgpMessage? result, out WireError? error)
    {
        result = null;
        if (!BgpFraming.TryReadMessage(message, context.MaxMessageLength, out var type, out int consumed, out error))
        {
            error = WireError.Reset(BgpErrorCode.MessageHeader, (byte)MessageHeaderSubcode.BadMessageLength, "message shorter than its length field");
            return false;
        }
        if (error is not null) return false;
        if (consumed != message.Length)
        {
            error = WireError.Reset(BgpErrorCode.MessageHeader, (byte)MessageHeaderSubcode.BadMessageLength, $"{message.Length - consumed} octets after the message");
            return false;
        }
        return TryDecode(type, message[BgpFraming.HeaderLength..consumed], context, out result, out error);
    }

    /// <summary>Total encoded length including the header.</summary>
    public static int Length(BgpMessage message, in EncodeContext context) => BgpFraming.HeaderLength + message switch
    {
        OpenMessage o => OpenCodec.BodyLength(o),
        UpdateMessage u => UpdateMessageCodec.BodyLength(u, context),
        NotificationMessage n => 2 + n.Data.Length,
        KeepaliveMessage => 0,
        RouteRefreshMessage => 4,
        _ => throw new ArgumentException($"unknown message {message.GetType().Name}", nameof(message)),
    };

    /// <summary>
    /// Writes the whole message into <paramref name="destination"/>; returns its length. Throws
    /// <see cref="ArgumentException"/> when it exceeds <see cref="EncodeContext.MaxMessageLength"/>
    /// (OPEN: 4096, RFC 8654 §4) — use <see cref="UpdatePacker"/> to split routes.
    /// </summary>
    public static int Write(Span<byte> destination, BgpMessage message, in EncodeContext context)
    {
        ArgumentNullException.ThrowIfNull(message);
        int len = Length(message, context);
        int max = message is OpenMessage or KeepaliveMessage ? DecodeContext.StandardMaxLength : context.MaxMessageLength;
        if (len > max) throw new ArgumentException($"{message.Type} of {len} octets exceeds the maximum of {max}", nameof(message));
        var body = destination[BgpFraming.HeaderLength..len];
        int n = message switch
        {
            OpenMessage o => OpenCodec.WriteBody(body, o),
            UpdateMessage u => UpdateMessageCodec.WriteBody(body, u, context),
            NotificationMessage x => WriteNotification(body, x),
            KeepaliveMessage => 0,
            RouteRefreshMessage r => WriteRouteRefresh(body, r),
            _ => 0,
        };
        if (n != len - BgpFraming.HeaderLength) throw new InvalidOperationException($"encoder wrote {n} octets, expected {len - BgpFraming.HeaderLength}");
        BgpFraming.WriteHeader(destination, len, message.Type);
        return len;
    }

    public static int Write(IBufferWriter<byte> writer, BgpMessage message, in EncodeContext context)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(message);
        int len = Length(message, context);
        int n = Write(writer.GetSpan(len), message, context);
        writer.Advance(n);
        return n;
    }

    public static byte[] Encode(BgpMessage message, in EncodeContext context = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var b = new byte[Length(message, context)];
        Write(b, message, context);
        return b;
    }

    private static int WriteNotification(Span<byte> d, NotificationMessage n)
    {
        d[0] = (byte)n.Code;
        d[1] = n.Subcode;
        n.Data.AsSpan().CopyTo(d[2..]);
        return 2 + n.Data.Length;
    }

    private static int WriteRouteRefresh(Span<byte> d, RouteRefreshMessage r)
    {
        BinaryPrimitives.WriteUInt16BigEndian(d, (ushort)r.Family.Afi);
        d[2] = (byte)r.Subtype;
        d[3] = (byte)r.Family.Safi;
        return 4;
    }

    private static bool Fail(out WireError? error, BgpErrorCode code, byte sub, string reason, ReadOnlySpan<byte> data = default)
    {
        error = WireError.Reset(code, sub, reason, data);
        return false;
    }
}
