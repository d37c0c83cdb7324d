using System.Buffers.Binary;

namespace StackBgp.Wire;

/// <summary>
/// Struct enumerator over packed NLRI (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3), allocation-free:
/// <code>
///  +--------------------------------+
///  | Path Identifier (4 octets)     |   only with add-path
///  +--------------------------------+
///  | Length (1 octet, bits)         |
///  +--------------------------------+
///  | Prefix (ceil(Length/8) octets) |
///  +--------------------------------+
/// </code>
/// Stops at the first malformed entry and sets <see cref="IsMalformed"/> (RFC 7606 §5.3: the caller
/// resets the session).
/// </summary>
public ref struct NlriEnumerator
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly Afi _afi;
    private readonly bool _addPath;
    private int _pos;
    private Nlri _current;

    public NlriEnumerator(ReadOnlySpan<byte> data, Afi afi, bool addPath)
    {
        _data = data;
        _afi = afi;
        _addPath = addPath;
        _pos = 0;
        _current = default;
        IsMalformed = false;
    }

    public readonly Nlri Current => _current;
    public bool IsMalformed { get; private set; }

    /// <summary>Octet offset of the entry that failed (valid when <see cref="IsMalformed"/>).</summary>
    public readonly int Position => _pos;

    public readonly NlriEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_pos >= _data.Length || IsMalformed) return false;
        var rest = _data[_pos..];
        uint pathId = 0;
        if (_addPath)
        {
            if (rest.Length < 5) return Fail();
            pathId = BinaryPrimitives.ReadUInt32BigEndian(rest);
            rest = rest[4..];
        }
        int len = rest[0];
        int n = (len + 7) >> 3;
        if (len > (_afi == Afi.Ipv6 ? 128 : 32) || rest.Length - 1 < n) return Fail();
        var bytes = rest.Slice(1, n);
        Prefix prefix;
        if (_afi == Afi.Ipv6)
        {
            ulong hi = 0, lo = 0;
            for (int i = 0; i < n; i++)
            {
                if (i < 8) hi |= (ulong)bytes[i] << (56 - 8 * i);
                else lo |= (ulong)bytes[i] << (56 - 8 * (i - 8));
            }
            prefix = Prefix.FromV6(hi, lo, len);
        }
        else
        {
            uint a = 0;
            for (int i = 0; i < n; i++) a |= (uint)bytes[i] << (24 - 8 * i);
            prefix = Prefix.FromV4(a, len);
        }
        _pos += (_addPath ? 4 : 0) + 1 + n;
        _current = new Nlri(prefix, pathId);
        return true;
    }

    /// <summary>Walks the whole field; true if every entry is well formed. <paramref name="count"/> = entries.</summary>
    public static bool Validate(ReadOnlySpan<byte> data, Afi afi, bool addPath, out int count)
    {
        count = 0;
        var e = new NlriEnumerator(data, afi, addPath);
        while (e.MoveNext()) count++;
        return !e.IsMalformed;
    }

    private bool Fail()
    {
        IsMalformed = true;
        return false;
    }
}

/// <summary>NLRI encoding helpers.</summary>
public static class NlriWriter
{
    /// <summary>Octets one entry takes.</summary>
    public static int Size(in Nlri nlri, bool addPath) => (addPath ? 4 : 0) + 1 + ((nlri.Prefix.Length + 7) >> 3);

    /// <summary>Writes one entry; returns the octets written.</summary>
    public static int Write(Span<byte> destination, in Nlri nlri, bool addPath)
    {
        int p = 0;
        if (addPath)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, nlri.PathId);
            p = 4;
        }
        destination[p++] = (byte)nlri.Prefix.Length;
        return p + nlri.Prefix.WriteNlriBytes(destination[p..]);
    }

    /// <summary>Writes entries while they fit; returns how many were written and the octets used.</summary>
    public static int WriteMany(Span<byte> destination, ReadOnlySpan<Nlri> nlri, bool addPath, out int bytes)
    {
        bytes = 0;
        int i = 0;
        for (; i < nlri.Length; i++)
        {
            int size = Size(nlri[i], addPath);
            if (bytes + size > destination.Length) break;
            bytes += Write(destination[bytes..], nlri[i], addPath);
        }
        return i;
    }
}
