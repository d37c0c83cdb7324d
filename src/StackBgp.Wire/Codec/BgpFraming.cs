using System.Buffers;
using System.Buffers.Binary;

namespace StackBgp.Wire;

/// <summary>
/// Message framing (RFC 4271 §4.1). Every message starts with the 19-octet header:
/// <code>
///  0                   1                   2                   3
///  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///  |                    Marker (16 octets of 0xFF)                 |
///  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///  |          Length               |      Type     |
///  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public static class BgpFraming
{
    public const int HeaderLength = 19;
    public const int MarkerLength = 16;

    /// <summary>
    /// Slices one whole message off the front of <paramref name="buffer"/> without copying.
    /// Returns false while the header or the body is incomplete (buffer untouched).
    /// Returns true with <paramref name="headerError"/> set when the header is bad (RFC 4271 §6.1); the
    /// buffer is then untouched and the session must send the error's NOTIFICATION and close.
    /// On success <paramref name="body"/> is the message after the header and <paramref name="buffer"/>
    /// starts after the message.
    /// The header is checked as soon as it is complete, so a bad length is refused before its body arrives.
    /// </summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, int maxLength, out BgpMessageType type,
        out ReadOnlySequence<byte> body, out WireError? headerError)
    {
        type = default;
        body = default;
        headerError = null;
        if (buffer.Length < HeaderLength) return false;
        Span<byte> header = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(header);
        headerError = CheckHeader(header, maxLength, out type, out int length);
        if (headerError is not null) return true;
        if (buffer.Length < length) return false;
        body = buffer.Slice(HeaderLength, length - HeaderLength);
        buffer = buffer.Slice(length);
        return true;
    }

    /// <summary>Span version of <see cref="TryReadMessage(ref ReadOnlySequence{byte}, int, out BgpMessageType, out ReadOnlySequence{byte}, out WireError?)"/>; <paramref name="consumed"/> = whole message length.</summary>
    public static bool TryReadMessage(ReadOnlySpan<byte> buffer, int maxLength, out BgpMessageType type, out int consumed,
        out WireError? headerError)
    {
        type = default;
        consumed = 0;
        headerError = null;
        if (buffer.Length < HeaderLength) return false;
        headerError = CheckHeader(buffer[..HeaderLength], maxLength, out type, out int length);
        if (headerError is not null) return true;
        if (buffer.Length < length) return false;
        consumed = length;
        return true;
    }

    /// <summary>
    /// Checks marker, length and type (RFC 4271 §6.1) including the per-type minimum/exact lengths.
    /// OPEN stays within 4096 octets even with extended messages (RFC 8654 §4).
    /// Bad Message Length carries the erroneous length field; Bad Message Type the type octet.
    /// </summary>
    public static WireError? CheckHeader(ReadOnlySpan<byte> header, int maxLength, out BgpMessageType type, out int length)
    {
        type = (BgpMessageType)header[18];
        length = BinaryPrimitives.ReadUInt16BigEndian(header[16..]);
        if (header[..MarkerLength].IndexOfAnyExcept((byte)0xFF) >= 0)
            return WireError.Reset(BgpErrorCode.MessageHeader, (byte)MessageHeaderSubcode.ConnectionNotSynchronized, "marker is not all ones");
        int min = type switch
        {
            BgpMessageType.Open => 29,
            BgpMessageType.Update => 23,
            BgpMessageType.Notification => 21,
            BgpMessageType.Keepalive => 19,
            BgpMessageType.RouteRefresh => 23,
            _ => -1,
        };
        if (length < HeaderLength || length > maxLength
            || (min > 0 && length < min)
            || (type == BgpMessageType.Keepalive && length != HeaderLength)
            || (type == BgpMessageType.Open && length > DecodeContext.StandardMaxLength))
        {
            return WireError.Reset(BgpErrorCode.MessageHeader, (byte)MessageHeaderSubcode.BadMessageLength,
                $"bad message length {length} for type {(byte)type} (max {maxLength})", header.Slice(16, 2));
        }
        if (min < 0)
            return WireError.Reset(BgpErrorCode.MessageHeader, (byte)MessageHeaderSubcode.BadMessageType,
                $"unknown message type {(byte)type}", header.Slice(18, 1));
        return null;
    }

    /// <summary>Writes a header for a message of <paramref name="length"/> octets in total.</summary>
    public static void WriteHeader(Span<byte> destination, int length, BgpMessageType type)
    {
        destination[..MarkerLength].Fill(0xFF);
        BinaryPrimitives.WriteUInt16BigEndian(destination[16..], checked((ushort)length));
        destination[18] = (byte)type;
    }

    /// <summary>
    /// A contiguous view of a message body: the first segment when the sequence has one, otherwise a
    /// copy into <paramref name="scratch"/> (grown from <see cref="ArrayPool{T}.Shared"/> as needed;
    /// the caller keeps it for the next message and returns it when done).
    /// </summary>
    public static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> body, ref byte[]? scratch)
    {
        if (body.IsSingleSegment) return body.FirstSpan;
        int n = checked((int)body.Length);
        if (scratch is null || scratch.Length < n)
        {
            if (scratch is not null) ArrayPool<byte>.Shared.Return(scratch);
            scratch = ArrayPool<byte>.Shared.Rent(Math.Max(n, DecodeContext.StandardMaxLength));
        }
        body.CopyTo(scratch);
        return scratch.AsSpan(0, n);
    }
}
