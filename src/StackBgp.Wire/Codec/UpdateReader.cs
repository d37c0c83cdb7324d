using System.Buffers.Binary;

namespace StackBgp.Wire;

/// <summary>
/// Bounds-checked, allocation-free view of an UPDATE body (RFC 4271 §4.3):
/// <code>
///  +-----------------------------------------------------+
///  |   Withdrawn Routes Length (2 octets)                |
///  +-----------------------------------------------------+
///  |   Withdrawn Routes (variable)                       |
///  +-----------------------------------------------------+
///  |   Total Path Attribute Length (2 octets)            |
///  +-----------------------------------------------------+
///  |   Path Attributes (variable)                        |
///  +-----------------------------------------------------+
///  |   Network Layer Reachability Information (variable) |
///  +-----------------------------------------------------+
/// </code>
/// </summary>
public readonly ref struct UpdateReader
{
    private UpdateReader(ReadOnlySpan<byte> withdrawn, ReadOnlySpan<byte> attributes, ReadOnlySpan<byte> nlri)
    {
        WithdrawnBytes = withdrawn;
        AttributeBytes = attributes;
        NlriBytes = nlri;
    }

    public ReadOnlySpan<byte> WithdrawnBytes { get; }
    public ReadOnlySpan<byte> AttributeBytes { get; }
    public ReadOnlySpan<byte> NlriBytes { get; }

    /// <summary>
    /// Splits the body. Lengths that do not add up are a session reset with Malformed Attribute List
    /// (RFC 4271 §6.3; RFC 7606 §5.3 keeps this fatal since the fields cannot be located).
    /// </summary>
    public static bool TryCreate(ReadOnlySpan<byte> body, out UpdateReader reader, out WireError error)
    {
        reader = default;
        error = default;
        if (body.Length < 4)
        {
            error = WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.MalformedAttributeList, "UPDATE shorter than 4 octets");
            return false;
        }
        int wlen = BinaryPrimitives.ReadUInt16BigEndian(body);
        if (2 + wlen + 2 > body.Length)
        {
            error = WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.MalformedAttributeList, $"withdrawn routes length {wlen} exceeds the message");
            return false;
        }
        int alen = BinaryPrimitives.ReadUInt16BigEndian(body[(2 + wlen)..]);
        int astart = 4 + wlen;
        if (astart + alen > body.Length)
        {
            error = WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.MalformedAttributeList, $"total path attribute length {alen} exceeds the message");
            return false;
        }
        reader = new UpdateReader(body.Slice(2, wlen), body.Slice(astart, alen), body[(astart + alen)..]);
        return true;
    }

    /// <summary>Withdrawn routes in the body (IPv4 unicast).</summary>
    public NlriEnumerator Withdrawn(in DecodeContext context) =>
        new(WithdrawnBytes, Afi.Ipv4, context.ReceivesPathId(AddressFamily.Ipv4Unicast));

    /// <summary>NLRI in the body (IPv4 unicast).</summary>
    public NlriEnumerator Nlri(in DecodeContext context) =>
        new(NlriBytes, Afi.Ipv4, context.ReceivesPathId(AddressFamily.Ipv4Unicast));

    public AttributeEnumerator Attributes => new(AttributeBytes);
}

/// <summary>One path attribute as found on the wire (RFC 4271 §4.3): flags, type code, value, and the whole TLV.</summary>
public readonly ref struct RawAttribute
{
    public RawAttribute(AttributeFlags flags, byte code, ReadOnlySpan<byte> value, ReadOnlySpan<byte> whole)
    {
        Flags = flags;
        Code = code;
        Value = value;
        Whole = whole;
    }

    public AttributeFlags Flags { get; }
    public byte Code { get; }
    public ReadOnlySpan<byte> Value { get; }
    /// <summary>Flags, type, length and value: the NOTIFICATION data for attribute errors (RFC 4271 §6.3).</summary>
    public ReadOnlySpan<byte> Whole { get; }
    public bool IsOptional => (Flags & AttributeFlags.Optional) != 0;
    public bool IsTransitive => (Flags & AttributeFlags.Transitive) != 0;
}

/// <summary>
/// Walks the path attribute block. When an attribute header or value would run past the block
/// (RFC 7606 §4) enumeration stops and <see cref="IsTruncated"/> is set.
/// </summary>
public ref struct AttributeEnumerator
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;
    private AttributeFlags _flags;
    private byte _code;
    private int _valueStart;
    private int _valueLength;
    private int _start;

    public AttributeEnumerator(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
        _flags = 0;
        _code = 0;
        _valueStart = 0;
        _valueLength = 0;
        _start = 0;
        IsTruncated = false;
    }

    public bool IsTruncated { get; private set; }

    public readonly RawAttribute Current =>
        new(_flags, _code, _data.Slice(_valueStart, _valueLength), _data[_start..(_valueStart + _valueLength)]);

    public readonly AttributeEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_pos >= _data.Length || IsTruncated) return false;
        var rest = _data[_pos..];
        if (rest.Length < 3) return Truncated();
        var flags = (AttributeFlags)rest[0];
        bool ext = (flags & AttributeFlags.ExtendedLength) != 0;
        int hdr = ext ? 4 : 3;
        if (rest.Length < hdr) return Truncated();
        int len = ext ? BinaryPrimitives.ReadUInt16BigEndian(rest[2..]) : rest[2];
        if (hdr + len > rest.Length) return Truncated();
        _start = _pos;
        _flags = flags;
        _code = rest[1];
        _valueStart = _pos + hdr;
        _valueLength = len;
        _pos += hdr + len;
        return true;
    }

    private bool Truncated()
    {
        IsTruncated = true;
        return false;
    }
}
