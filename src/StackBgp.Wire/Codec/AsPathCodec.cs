using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace StackBgp.Wire;

/// <summary>
/// AS_PATH / AS4_PATH encoding (RFC 4271 §4.3, RFC 6793 §4):
/// <code>
///  +--------------+--------------+---------------------------------+
///  | segment type | segment len  | len ASNs of 2 or 4 octets each  |  ... repeated
///  +--------------+--------------+---------------------------------+
/// </code>
/// and the RFC 6793 §4.2.3 reconstruction of the path from AS_PATH and AS4_PATH.
/// </summary>
public static class AsPathCodec
{
    /// <summary>
    /// Parses an AS_PATH value. Malformed (RFC 7606 §7.2): unknown segment type, a segment with zero
    /// ASNs, or a segment running past the value.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> value, bool fourOctet, out AsPath path)
    {
        path = AsPath.Empty;
        if (value.IsEmpty) return true;
        int w = fourOctet ? 4 : 2;
        int words = 0;
        for (int p = 0; p < value.Length;)
        {
            if (value.Length - p < 2) return false;
            byte type = value[p];
            int n = value[p + 1];
            if (type is < 1 or > 4 || n == 0 || p + 2 + n * w > value.Length) return false;
            p += 2 + n * w;
            words += 1 + n;
        }
        // One array for the whole path, adopted without a copy (a full table decodes hundreds of
        // thousands of paths).
        var data = new uint[words];
        int k = 0;
        for (int p = 0; p < value.Length;)
        {
            var type = (AsPathSegmentType)value[p];
            int n = value[p + 1];
            data[k++] = AsPath.Header(type, n);
            var asns = value.Slice(p + 2, n * w);
            for (int i = 0; i < n; i++)
                data[k++] = fourOctet ? BinaryPrimitives.ReadUInt32BigEndian(asns[(i * 4)..]) : BinaryPrimitives.ReadUInt16BigEndian(asns[(i * 2)..]);
            p += 2 + n * w;
        }
        path = AsPath.FromFlat(data);
        return true;
    }

    /// <summary>
    /// Encoded size; segments longer than 255 ASNs are split. <paramref name="prepend"/> (0 = none): one ASN
    /// sent in front, as <see cref="AsPath.Prepend"/> would put it (see <see cref="AttributeView"/>).
    /// </summary>
    public static int Size(AsPath path, bool fourOctet, bool skipConfed = false, uint prepend = 0)
    {
        int w = fourOctet ? 4 : 2, size = 0;
        if (prepend != 0) size += MergesPrepend(path) ? w : 2 + w;
        foreach (var s in path.EnumerateSegments())
        {
            if (skipConfed && s.IsConfed) continue;
            int n = s.Asns.Length;
            size += ((n + 254) / 255) * 2 + n * w;
        }
        return size;
    }

    /// <summary>
    /// Writes the path; with <paramref name="fourOctet"/> false, ASNs above 65535 become AS_TRANS
    /// (RFC 6793 §4.2.2). <paramref name="skipConfed"/> drops confederation segments (AS4_PATH).
    /// <paramref name="prepend"/> as in <see cref="Size"/>.
    /// </summary>
    public static int Write(Span<byte> destination, AsPath path, bool fourOctet, bool skipConfed = false, uint prepend = 0)
    {
        int p = 0;
        bool merge = false;
        if (prepend != 0)
        {
            // Into the leading AS_SEQUENCE (room checked by AttributeView), else a segment of its own.
            merge = MergesPrepend(path);
            destination[p++] = (byte)AsPathSegmentType.AsSequence;
            destination[p++] = (byte)(merge ? path.Leading.Count + 1 : 1);
            p += WriteAsn(destination[p..], prepend, fourOctet);
        }
        int i = -1;
        foreach (var s in path.EnumerateSegments())
        {
            i++;
            if (skipConfed && s.IsConfed) continue;
            var asns = s.Asns;
            for (int start = 0; start < asns.Length; start += 255)
            {
                int n = Math.Min(255, asns.Length - start);
                if (!(merge && i == 0))
                {
                    destination[p++] = (byte)s.Type;
                    destination[p++] = (byte)n;
                }
                foreach (uint a in asns.Slice(start, n)) p += WriteAsn(destination[p..], a, fourOctet);
            }
        }
        return p;
    }

    private static bool MergesPrepend(AsPath path) => path.Leading is (AsPathSegmentType.AsSequence, < 255);

    private static int WriteAsn(Span<byte> d, uint asn, bool fourOctet)
    {
        if (fourOctet)
        {
            BinaryPrimitives.WriteUInt32BigEndian(d, asn);
            return 4;
        }
        BinaryPrimitives.WriteUInt16BigEndian(d, Asn.ToTwoOctet(asn));
        return 2;
    }

    /// <summary>
    /// RFC 6793 §4.2.3: when AS_PATH holds fewer ASNs than AS4_PATH, AS4_PATH is ignored; otherwise
    /// the leading ASNs of AS_PATH that AS4_PATH lacks are prepended to AS4_PATH. Counting follows the
    /// path-length rules (an AS_SET counts 1, confederation segments 0); confederation segments are
    /// taken when leading or adjacent to a taken segment. Confederation segments inside AS4_PATH are
    /// dropped first (RFC 6793 §6).
    /// </summary>
    public static AsPath Merge(AsPath asPath, AsPath as4Path)
    {
        as4Path = as4Path.WithoutConfedSegments();
        int take = asPath.Length - as4Path.Length;
        if (take < 0) return asPath;
        var b = ImmutableArray.CreateBuilder<AsPathSegment>(asPath.SegmentCount + as4Path.SegmentCount);
        bool takingDone = false;
        foreach (var v in asPath.EnumerateSegments())
        {
            var s = v.ToSegment();
            if (s.IsConfed)
            {
                if (takingDone) break;
                b.Add(s);
                continue;
            }
            if (take == 0) break;
            if (s.Type == AsPathSegmentType.AsSet)
            {
                b.Add(s);
                take--;
            }
            else if (s.Asns.Length <= take)
            {
                b.Add(s);
                take -= s.Asns.Length;
            }
            else
            {
                b.Add(new AsPathSegment(s.Type, ImmutableArray.Create(s.Asns.AsSpan()[..take])));
                take = 0;
            }
            if (take == 0) takingDone = true;
        }
        var as4Segments = as4Path.Segments;
        for (int i = 0; i < as4Segments.Length; i++)
        {
            var s = as4Segments[i];
            // Join the cut point when both sides are AS_SEQUENCE and the result fits one segment.
            if (i == 0 && b.Count > 0 && b[^1].Type == AsPathSegmentType.AsSequence && s.Type == AsPathSegmentType.AsSequence
                && b[^1].Asns.Length + s.Asns.Length <= 255)
            {
                b[^1] = new AsPathSegment(AsPathSegmentType.AsSequence, b[^1].Asns.AddRange(s.Asns));
                continue;
            }
            b.Add(s);
        }
        return new AsPath(b.ToImmutable());
    }
}
