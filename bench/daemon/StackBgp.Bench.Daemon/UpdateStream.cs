using System.Buffers.Binary;

namespace StackBgp.Bench.Daemon;

/// <summary>
/// Pre-encodes a whole table as back-to-back UPDATE messages (RFC 4271 §4.3) for one injector
/// session, ending with the IPv4 unicast End-of-RIB (RFC 4724 §2: an UPDATE with no withdrawn
/// routes, no attributes and no NLRI). One UPDATE per attribute set, split at 4096 bytes; IPv4
/// NLRI in the message body; AS numbers 4 octets (both sides announce RFC 6793).
/// </summary>
internal static class UpdateStream
{
    private const int MaxMessage = 4096;
    private const int HeaderLength = 19;

    /// <summary>
    /// The UPDATEs of <paramref name="table"/> as injector <paramref name="variant"/> of
    /// <paramref name="variants"/> sends them. With several injectors each one's path differs: its
    /// own neighbor AS, 0–2 prepends of it and another transit AS chosen per (set, injector), and
    /// a shifted MED, so the daemon really has to pick a best path among the candidates.
    /// </summary>
    public static byte[] Encode(SyntheticTable table, int variant, int variants, uint neighborAs, uint nextHop, out int messages)
    {
        var buf = new Writer(table.Count * 30 + (1 << 16));
        messages = 0;
        Span<byte> attrs = stackalloc byte[512];
        for (int s = 0; s < table.SetCount; s++)
        {
            int attrLen = EncodeAttributes(table, s, variant, variants, neighborAs, nextHop, attrs);
            int first = table.GroupStarts[s];
            int end = table.GroupStarts[s + 1];
            while (first < end)
            {
                // header + withdrawn length + attribute length + attributes, then as many NLRI as fit
                int fixedPart = HeaderLength + 2 + 2 + attrLen;
                int size = fixedPart;
                int last = first;
                while (last < end && size + 1 + ((table.Lengths[last] + 7) / 8) <= MaxMessage)
                {
                    size += 1 + ((table.Lengths[last] + 7) / 8);
                    last++;
                }

                Span<byte> m = buf.Take(size);
                m[..16].Fill(0xFF);
                BinaryPrimitives.WriteUInt16BigEndian(m[16..], (ushort)size);
                m[18] = 2; // UPDATE
                BinaryPrimitives.WriteUInt16BigEndian(m[19..], 0); // withdrawn routes length
                BinaryPrimitives.WriteUInt16BigEndian(m[21..], (ushort)attrLen);
                attrs[..attrLen].CopyTo(m[23..]);
                int o = 23 + attrLen;
                for (int i = first; i < last; i++)
                {
                    int len = table.Lengths[i];
                    m[o++] = (byte)len;
                    uint a = table.Addresses[i];
                    for (int b = 0; b < (len + 7) / 8; b++)
                    {
                        m[o++] = (byte)(a >> (24 - (8 * b)));
                    }
                }

                messages++;
                first = last;
            }
        }

        Span<byte> eor = buf.Take(23);
        eor[..16].Fill(0xFF);
        BinaryPrimitives.WriteUInt16BigEndian(eor[16..], 23);
        eor[18] = 2;
        eor[19..].Clear();
        messages++;
        return buf.ToArray();
    }

    private static int EncodeAttributes(SyntheticTable t, int s, int variant, int variants, uint neighborAs, uint nextHop, Span<byte> a)
    {
        uint mix = Mix((uint)s, (uint)variant);
        int prepends = variants > 1 ? (int)(mix % 3) : 0;
        uint[] tail = t.Paths[s];
        int o = 0;

        // ORIGIN (§5.1.1): well-known mandatory, transitive
        a[o++] = 0x40;
        a[o++] = 1;
        a[o++] = 1;
        a[o++] = t.Origins[s];

        // AS_PATH (§5.1.2, RFC 6793 4-octet): one AS_SEQUENCE
        int asns = 1 + prepends + tail.Length;
        a[o++] = 0x40;
        a[o++] = 2;
        a[o++] = (byte)(2 + (4 * asns));
        a[o++] = 2; // AS_SEQUENCE
        a[o++] = (byte)asns;
        for (int i = 0; i <= prepends; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(a[o..], neighborAs);
            o += 4;
        }

        for (int i = 0; i < tail.Length; i++)
        {
            uint asn = tail[i];
            if (i == 0 && variants > 1 && tail.Length > 1)
            {
                asn = t.Transit[(int)((mix >> 8) % (uint)t.Transit.Length)];
            }

            BinaryPrimitives.WriteUInt32BigEndian(a[o..], asn);
            o += 4;
        }

        // NEXT_HOP (§5.1.3)
        a[o++] = 0x40;
        a[o++] = 3;
        a[o++] = 4;
        BinaryPrimitives.WriteUInt32BigEndian(a[o..], nextHop);
        o += 4;

        // MULTI_EXIT_DISC (§5.1.4): optional, non-transitive
        if (t.Meds[s] >= 0)
        {
            a[o++] = 0x80;
            a[o++] = 4;
            a[o++] = 4;
            uint med = (uint)t.Meds[s] + (variants > 1 ? (mix >> 16) % 50 : 0);
            BinaryPrimitives.WriteUInt32BigEndian(a[o..], med);
            o += 4;
        }

        // COMMUNITIES (RFC 1997): optional, transitive
        uint[] c = t.Communities[s];
        if (c.Length > 0)
        {
            a[o++] = 0xC0;
            a[o++] = 8;
            a[o++] = (byte)(4 * c.Length);
            foreach (uint v in c)
            {
                BinaryPrimitives.WriteUInt32BigEndian(a[o..], v);
                o += 4;
            }
        }

        return o;
    }

    private static uint Mix(uint s, uint k)
    {
        uint h = (s * 0x9E3779B1u) ^ ((k + 1) * 0x85EBCA77u);
        h ^= h >> 15;
        h *= 0x2C1B3C6Du;
        h ^= h >> 12;
        return h;
    }

    private sealed class Writer(int capacity)
    {
        private byte[] _buffer = new byte[capacity];
        private int _length;

        public Span<byte> Take(int size)
        {
            if (_length + size > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
            }

            Span<byte> s = _buffer.AsSpan(_length, size);
            _length += size;
            return s;
        }

        public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();
    }
}
