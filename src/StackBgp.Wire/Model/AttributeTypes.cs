using System.Collections.Immutable;

namespace StackBgp.Wire;

/// <summary>Path attribute type codes (IANA "BGP Path Attributes").</summary>
public enum AttributeCode : byte
{
    Origin = 1,
    AsPath = 2,
    NextHop = 3,
    MultiExitDisc = 4,
    LocalPref = 5,
    AtomicAggregate = 6,
    Aggregator = 7,
    Communities = 8,
    OriginatorId = 9,
    ClusterList = 10,
    MpReachNlri = 14,
    MpUnreachNlri = 15,
    ExtendedCommunities = 16,
    As4Path = 17,
    As4Aggregator = 18,
    LargeCommunities = 32,
    Otc = 35,
}

/// <summary>Attribute flags octet (RFC 4271 §4.3).</summary>
[Flags]
public enum AttributeFlags : byte
{
    None = 0,
    ExtendedLength = 0x10,
    Partial = 0x20,
    Transitive = 0x40,
    Optional = 0x80,
}

/// <summary>ORIGIN values (RFC 4271 §5.1.1). Lower is preferred.</summary>
public enum Origin : byte
{
    Igp = 0,
    Egp = 1,
    Incomplete = 2,
}

/// <summary>AGGREGATOR (RFC 4271 §5.1.7), with the 4-octet ASN after the RFC 6793 AS4_AGGREGATOR merge.</summary>
public readonly record struct Aggregator(uint Asn, uint Address)
{
    public override string ToString() =>
        $"{Asn} {new System.Net.IPAddress(new[] { (byte)(Address >> 24), (byte)(Address >> 16), (byte)(Address >> 8), (byte)Address })}";
}

/// <summary>
/// An attribute this codec does not interpret, kept as raw bytes. Only optional transitive ones are
/// kept (RFC 4271 §5: unrecognised non-transitive optional attributes are ignored); the decoder sets
/// <see cref="AttributeFlags.Partial"/> on them, since we pass them along (RFC 4271 §5, §9.1.3).
/// <see cref="Flags"/> never includes <see cref="AttributeFlags.ExtendedLength"/>; the encoder picks it.
/// </summary>
public readonly struct UnknownAttribute : IEquatable<UnknownAttribute>
{
    public UnknownAttribute(AttributeFlags flags, byte code, ImmutableArray<byte> value)
    {
        Flags = flags & ~AttributeFlags.ExtendedLength & (AttributeFlags)0xF0;
        Code = code;
        Value = value.IsDefault ? ImmutableArray<byte>.Empty : value;
    }

    public AttributeFlags Flags { get; }
    public byte Code { get; }
    public ImmutableArray<byte> Value { get; }

    public bool Equals(UnknownAttribute other) => Flags == other.Flags && Code == other.Code && Value.AsSpan().SequenceEqual(other.Value.AsSpan());
    public override bool Equals(object? obj) => obj is UnknownAttribute u && Equals(u);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Flags);
        h.Add(Code);
        h.AddBytes(Value.AsSpan());
        return h.ToHashCode();
    }

    public static bool operator ==(UnknownAttribute a, UnknownAttribute b) => a.Equals(b);
    public static bool operator !=(UnknownAttribute a, UnknownAttribute b) => !a.Equals(b);
    public override string ToString() => $"attr {Code} flags 0x{(byte)Flags:x2} len {Value.Length}";
}
