using System.Buffers.Binary;

namespace StackBgp.Bfd;

/// <summary>
/// The mandatory section of a BFD Control packet (RFC 5880 §4.1). Intervals are in microseconds,
/// as on the wire.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
/// |                       My Discriminator                        |
/// |                      Your Discriminator                       |
/// |                    Desired Min TX Interval                    |
/// |                   Required Min RX Interval                    |
/// |                 Required Min Echo RX Interval                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly record struct BfdControlPacket(
    BfdState State,
    BfdDiagnostic Diagnostic,
    BfdFlags Flags,
    byte DetectMultiplier,
    uint MyDiscriminator,
    uint YourDiscriminator,
    uint DesiredMinTxUs,
    uint RequiredMinRxUs,
    uint RequiredMinEchoRxUs = 0)
{
    public bool Poll => (Flags & BfdFlags.Poll) != 0;
    public bool Final => (Flags & BfdFlags.Final) != 0;
    public bool AuthenticationPresent => (Flags & BfdFlags.AuthenticationPresent) != 0;
}

/// <summary>
/// Location and fixed fields of the optional authentication section (RFC 5880 §4.2–§4.4).
/// <code>
/// |   Auth Type   |   Auth Len    |  Auth Key ID  |  (password | Reserved)
/// |                        Sequence Number (MD5/SHA1 only)                   |
/// |                  Auth Key/Digest/Hash (16 or 20 octets)                  |
/// </code>
/// </summary>
public readonly record struct BfdAuthSection(BfdAuthType Type, byte Length, byte KeyId, uint Sequence, int Offset)
{
    public static readonly BfdAuthSection Absent;
}

/// <summary>Encode and strictly decode BFD Control packets. No I/O, no allocation.</summary>
public static class BfdCodec
{
    public const byte Version = 1;
    public const int MandatoryLength = 24;
    /// <summary>24 octets plus the largest authentication section (SHA1: 28 octets).</summary>
    public const int MaxLength = MandatoryLength + 28;

    /// <summary>
    /// Decodes and validates a datagram following the reception checks of RFC 5880 §6.8.6 that do
    /// not need session state: version, length, detect multiplier, multipoint, My Discriminator,
    /// and "Your Discriminator is zero while State is neither Down nor AdminDown". Authentication
    /// is only parsed here; verifying it needs the session's key (<see cref="BfdAuthenticator"/>).
    /// </summary>
    public static BfdDecodeStatus TryDecode(ReadOnlySpan<byte> datagram, out BfdControlPacket packet, out BfdAuthSection auth)
    {
        packet = default;
        auth = BfdAuthSection.Absent;
        if (datagram.Length < MandatoryLength) return BfdDecodeStatus.TooShort;
        byte b0 = datagram[0];
        if (b0 >> 5 != Version) return BfdDecodeStatus.BadVersion;
        byte b1 = datagram[1];
        var flags = (BfdFlags)(b1 & 0x3F);
        int length = datagram[3];
        // §6.8.6: Length less than 24 (26 with the A bit) or greater than the payload: discard.
        int minimum = (flags & BfdFlags.AuthenticationPresent) != 0 ? MandatoryLength + 2 : MandatoryLength;
        if (length < minimum || length > datagram.Length) return BfdDecodeStatus.BadLength;
        byte mult = datagram[2];
        if (mult == 0) return BfdDecodeStatus.ZeroDetectMultiplier;
        if ((flags & BfdFlags.Multipoint) != 0) return BfdDecodeStatus.Multipoint;
        uint my = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]);
        if (my == 0) return BfdDecodeStatus.ZeroMyDiscriminator;
        uint your = BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]);
        var state = (BfdState)(b1 >> 6);
        if (your == 0 && state is not (BfdState.Down or BfdState.AdminDown)) return BfdDecodeStatus.ZeroYourDiscriminatorNotDown;

        if ((flags & BfdFlags.AuthenticationPresent) != 0)
        {
            if (!TryParseAuth(datagram[..length], out auth)) return BfdDecodeStatus.BadAuthSection;
        }
        packet = new BfdControlPacket(
            state,
            (BfdDiagnostic)(b0 & 0x1F),
            flags,
            mult,
            my,
            your,
            BinaryPrimitives.ReadUInt32BigEndian(datagram[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[20..]));
        return BfdDecodeStatus.Ok;
    }

    /// <summary>
    /// Writes the mandatory section (24 octets) with Length = 24. The A bit from
    /// <paramref name="packet"/> is ignored; <see cref="BfdAuthenticator.Append"/> sets it and the
    /// final length when a key is configured.
    /// </summary>
    public static int Encode(in BfdControlPacket packet, Span<byte> destination)
    {
        if (destination.Length < MandatoryLength) throw new ArgumentException("BFD control packet needs 24 octets", nameof(destination));
        destination[0] = (byte)((Version << 5) | ((byte)packet.Diagnostic & 0x1F));
        destination[1] = (byte)(((byte)packet.State << 6) | ((byte)packet.Flags & 0x3B));
        destination[2] = packet.DetectMultiplier;
        destination[3] = MandatoryLength;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], packet.MyDiscriminator);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], packet.YourDiscriminator);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], packet.DesiredMinTxUs);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], packet.RequiredMinRxUs);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], packet.RequiredMinEchoRxUs);
        return MandatoryLength;
    }

    /// <summary>Parses the authentication section at offset 24 and checks its length for the type (§4.2–§4.4).</summary>
    private static bool TryParseAuth(ReadOnlySpan<byte> packet, out BfdAuthSection auth)
    {
        auth = BfdAuthSection.Absent;
        var section = packet[MandatoryLength..];
        if (section.Length < 2) return false;
        var type = (BfdAuthType)section[0];
        byte len = section[1];
        if (len > section.Length) return false;
        switch (type)
        {
            case BfdAuthType.SimplePassword:
                // §4.2: 1 to 16 octets of password after type, length and key id.
                if (len < 4 || len > 19) return false;
                auth = new BfdAuthSection(type, len, section[2], 0, MandatoryLength);
                return true;
            case BfdAuthType.KeyedMd5:
            case BfdAuthType.MeticulousKeyedMd5:
                // §4.3: length is 24.
                if (len != 24) return false;
                break;
            case BfdAuthType.KeyedSha1:
            case BfdAuthType.MeticulousKeyedSha1:
                // §4.4: length is 28.
                if (len != 28) return false;
                break;
            default:
                return false;
        }
        auth = new BfdAuthSection(type, len, section[2], BinaryPrimitives.ReadUInt32BigEndian(section[4..]), MandatoryLength);
        return true;
    }
}
