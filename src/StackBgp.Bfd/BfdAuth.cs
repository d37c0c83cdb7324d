using System.Buffers.Binary;
using System.Security.Cryptography;

namespace StackBgp.Bfd;

/// <summary>
/// Authentication configured for a session (RFC 5880 §6.7): one key id and its key. For simple
/// password the key is the password (1–16 octets); for MD5 at most 16 octets; for SHA1 at most 20
/// octets (shorter keys are padded with zeros, §6.7.3 and §6.7.4).
/// </summary>
public sealed record BfdAuthConfig(BfdAuthType Type, byte KeyId, ReadOnlyMemory<byte> Key)
{
    /// <summary>Throws if the key does not fit the type.</summary>
    public void Validate()
    {
        int max = Type switch
        {
            BfdAuthType.SimplePassword => 16,
            BfdAuthType.KeyedMd5 or BfdAuthType.MeticulousKeyedMd5 => 16,
            BfdAuthType.KeyedSha1 or BfdAuthType.MeticulousKeyedSha1 => 20,
            _ => throw new ArgumentException($"unsupported BFD authentication type {Type}"),
        };
        if (Key.Length < 1 || Key.Length > max)
        {
            throw new ArgumentException($"BFD {Type} key must be 1..{max} octets, got {Key.Length}");
        }
    }

    /// <summary>Octets of the authentication section this type adds to every packet.</summary>
    public int SectionLength => Type switch
    {
        BfdAuthType.SimplePassword => 3 + Key.Length,
        BfdAuthType.KeyedMd5 or BfdAuthType.MeticulousKeyedMd5 => 24,
        _ => 28,
    };
}

/// <summary>
/// Per-session authentication state (RFC 5880 §6.7): transmit and receive sequence numbers
/// and the digest computation. Not thread-safe; owned by the engine thread.
/// </summary>
internal sealed class BfdAuthenticator
{
    private readonly BfdAuthConfig _config;
    private uint _xmitSeq;
    private uint _rcvSeq;
    private bool _seqKnown;

    public BfdAuthenticator(BfdAuthConfig config, uint initialSequence)
    {
        config.Validate();
        _config = config;
        _xmitSeq = initialSequence;
    }

    public BfdAuthType Type => _config.Type;
    public bool SequenceKnown => _seqKnown;
    public uint ReceiveSequence => _rcvSeq;
    public uint TransmitSequence => _xmitSeq;

    private bool IsMeticulous => _config.Type is BfdAuthType.MeticulousKeyedMd5 or BfdAuthType.MeticulousKeyedSha1;
    private int DigestLength => _config.Type is BfdAuthType.KeyedSha1 or BfdAuthType.MeticulousKeyedSha1 ? 20 : 16;

    /// <summary>§6.8.1 bfd.AuthSeqKnown: reset when no packet arrived for twice the detection time.</summary>
    public void ForgetReceiveSequence() => _seqKnown = false;

    /// <summary>
    /// Appends the authentication section after the 24-octet mandatory section in
    /// <paramref name="packet"/>, sets the A bit and the Length field, signs, and returns the length.
    /// The transmit sequence number advances for every packet (required for meticulous, allowed
    /// for keyed: §6.7.3).
    /// </summary>
    public int Append(Span<byte> packet)
    {
        int total = BfdCodec.MandatoryLength + _config.SectionLength;
        packet[1] |= (byte)BfdFlags.AuthenticationPresent;
        packet[3] = (byte)total;
        var section = packet[BfdCodec.MandatoryLength..total];
        section[0] = (byte)_config.Type;
        section[1] = (byte)_config.SectionLength;
        section[2] = _config.KeyId;
        var key = _config.Key.Span;
        if (_config.Type == BfdAuthType.SimplePassword)
        {
            key.CopyTo(section[3..]);
            return total;
        }
        _xmitSeq++;
        section[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(section[4..], _xmitSeq);
        Sign(packet[..total], DigestLength);
        return total;
    }

    /// <summary>
    /// Verifies a received packet's authentication section (§6.7.2–§6.7.4). On success the
    /// receive sequence number is learned. <paramref name="packet"/> spans exactly Length octets.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> packet, in BfdAuthSection auth, byte localDetectMultiplier)
    {
        if (auth.Type != _config.Type || auth.KeyId != _config.KeyId) return false;
        if (auth.Length != _config.SectionLength) return false;
        var key = _config.Key.Span;
        if (_config.Type == BfdAuthType.SimplePassword)
        {
            return CryptographicOperations.FixedTimeEquals(packet.Slice(auth.Offset + 3, key.Length), key);
        }
        if (_seqKnown && !SequenceInWindow(auth.Sequence, localDetectMultiplier)) return false;

        int digestLength = DigestLength;
        Span<byte> copy = stackalloc byte[BfdCodec.MaxLength];
        var work = copy[..packet.Length];
        packet.CopyTo(work);
        var digestField = work.Slice(auth.Offset + 8, digestLength);
        digestField.Clear();
        key.CopyTo(digestField);
        Span<byte> computed = stackalloc byte[20];
        Hash(work, computed);
        if (!CryptographicOperations.FixedTimeEquals(computed[..digestLength], packet.Slice(auth.Offset + 8, digestLength))) return false;
        _rcvSeq = auth.Sequence;
        _seqKnown = true;
        return true;
    }

    /// <summary>
    /// §6.7.3/§6.7.4: keyed accepts RcvAuthSeq .. RcvAuthSeq + 3×DetectMult; meticulous
    /// RcvAuthSeq + 1 .. RcvAuthSeq + 3×DetectMult, both inclusive and modulo 2^32.
    /// </summary>
    private bool SequenceInWindow(uint sequence, byte detectMultiplier)
    {
        uint distance = unchecked(sequence - _rcvSeq);
        uint low = IsMeticulous ? 1u : 0u;
        return distance >= low && distance <= 3u * detectMultiplier;
    }

    /// <summary>Puts the (zero-padded) key in the digest field, hashes the packet, writes the digest back.</summary>
    private void Sign(Span<byte> packet, int digestLength)
    {
        var digestField = packet.Slice(BfdCodec.MandatoryLength + 8, digestLength);
        digestField.Clear();
        _config.Key.Span.CopyTo(digestField);
        Span<byte> computed = stackalloc byte[20];
        Hash(packet, computed);
        computed[..digestLength].CopyTo(digestField);
    }

    private void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        // RFC 5880 mandates MD5 and SHA1 here; they are protocol requirements, not our choice.
#pragma warning disable CA5350, CA5351
        if (DigestLength == 20) SHA1.HashData(data, destination);
        else MD5.HashData(data, destination);
#pragma warning restore CA5350, CA5351
    }
}
