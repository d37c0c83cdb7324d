using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;

namespace StackBgp.Wire;

/// <summary>
/// Capability TLVs (RFC 5492 §4): code (1), length (1), value. Each known value layout is drawn at
/// its case. A known capability whose value does not parse is kept as <see cref="UnknownCapability"/>
/// (tolerant: the session decides whether it matters).
/// </summary>
public static class CapabilityCodec
{
    public static Capability Decode(byte code, ReadOnlySpan<byte> v)
    {
        return TryDecodeKnown(code, v) ?? new UnknownCapability(code, ImmutableArray.Create(v.ToArray()));
    }

    private static Capability? TryDecodeKnown(byte code, ReadOnlySpan<byte> v)
    {
        switch ((CapabilityCode)code)
        {
            case CapabilityCode.Multiprotocol: // AFI (2) | Reserved (1) | SAFI (1)   RFC 4760 §8
                return v.Length == 4 ? new MultiprotocolCapability(Family(v, v[3])) : null;
            case CapabilityCode.RouteRefresh:
                return v.IsEmpty ? new RouteRefreshCapability() : null;
            case CapabilityCode.RouteRefreshOld:
                return v.IsEmpty ? new RouteRefreshCapability(Old: true) : null;
            case CapabilityCode.EnhancedRouteRefresh:
                return v.IsEmpty ? new EnhancedRouteRefreshCapability() : null;
            case CapabilityCode.ExtendedMessage:
                return v.IsEmpty ? new ExtendedMessageCapability() : null;
            case CapabilityCode.FourOctetAs: // ASN (4)   RFC 6793 §3
                return v.Length == 4 ? new FourOctetAsCapability(BinaryPrimitives.ReadUInt32BigEndian(v)) : null;
            case CapabilityCode.AddPath: // n x [AFI (2) | SAFI (1) | Send/Receive (1)]   RFC 7911 §4
            {
                if (v.IsEmpty || v.Length % 4 != 0) return null;
                var b = ImmutableArray.CreateBuilder<AddPathEntry>(v.Length / 4);
                for (int i = 0; i < v.Length; i += 4)
                {
                    if (v[i + 3] is 0 or > 3) return null;
                    b.Add(new AddPathEntry(Family(v[i..], v[i + 2]), (AddPathMode)v[i + 3]));
                }
                return new AddPathCapability(b.MoveToImmutable());
            }
            case CapabilityCode.ExtendedNextHop: // n x [NLRI AFI (2) | NLRI SAFI (2) | Next Hop AFI (2)]   RFC 8950 §3
            {
                if (v.IsEmpty || v.Length % 6 != 0) return null;
                var b = ImmutableArray.CreateBuilder<ExtendedNextHopEntry>(v.Length / 6);
                for (int i = 0; i < v.Length; i += 6)
                {
                    ushort safi = BinaryPrimitives.ReadUInt16BigEndian(v[(i + 2)..]);
                    if (safi > 255) return null;
                    b.Add(new ExtendedNextHopEntry(Family(v[i..], (byte)safi), (Afi)BinaryPrimitives.ReadUInt16BigEndian(v[(i + 4)..])));
                }
                return new ExtendedNextHopCapability(b.MoveToImmutable());
            }
            case CapabilityCode.GracefulRestart:
            {
                // Restart Flags (4 bits: R 0x8, N 0x4) | Restart Time (12 bits), then
                // n x [AFI (2) | SAFI (1) | Flags (1, F = 0x80)]   RFC 4724 §3, RFC 8538 §2
                if (v.Length < 2 || (v.Length - 2) % 4 != 0) return null;
                ushort head = BinaryPrimitives.ReadUInt16BigEndian(v);
                if ((head & 0x3000) != 0) return null; // reserved flag bits: keep raw so they survive
                var b = ImmutableArray.CreateBuilder<GracefulRestartFamily>((v.Length - 2) / 4);
                for (int i = 2; i < v.Length; i += 4)
                {
                    if ((v[i + 3] & 0x7F) != 0) return null;
                    b.Add(new GracefulRestartFamily(Family(v[i..], v[i + 2]), (v[i + 3] & 0x80) != 0));
                }
                return new GracefulRestartCapability((head & 0x8000) != 0, (head & 0x4000) != 0, (ushort)(head & 0x0FFF), b.MoveToImmutable());
            }
            case CapabilityCode.LongLivedGracefulRestart: // n x [AFI (2) | SAFI (1) | Flags (1) | Stale Time (3)]   RFC 9494 §3
            {
                if (v.Length % 7 != 0) return null;
                var b = ImmutableArray.CreateBuilder<LlgrFamily>(v.Length / 7);
                for (int i = 0; i < v.Length; i += 7)
                {
                    if ((v[i + 3] & 0x7F) != 0) return null;
                    uint stale = ((uint)v[i + 4] << 16) | ((uint)v[i + 5] << 8) | v[i + 6];
                    b.Add(new LlgrFamily(Family(v[i..], v[i + 2]), (v[i + 3] & 0x80) != 0, stale));
                }
                return new LongLivedGracefulRestartCapability(b.MoveToImmutable());
            }
            case CapabilityCode.Fqdn: // Hostname Length (1) | Hostname | Domain Length (1) | Domain
            {
                if (v.IsEmpty) return null;
                int hl = v[0];
                if (1 + hl + 1 > v.Length) return null;
                int dl = v[1 + hl];
                if (2 + hl + dl != v.Length) return null;
                var utf8 = new UTF8Encoding(false, true);
                try
                {
                    return new FqdnCapability(utf8.GetString(v.Slice(1, hl)), utf8.GetString(v.Slice(2 + hl, dl)));
                }
                catch (DecoderFallbackException)
                {
                    return null;
                }
            }
            case CapabilityCode.Role: // Role (1)   RFC 9234 §4.1
                return v.Length == 1 && v[0] <= 4 ? new RoleCapability((BgpRole)v[0]) : null;
            default:
                return null;
        }
    }

    /// <summary>Value length of a capability (without the code/length octets).</summary>
    public static int ValueLength(Capability capability) => capability switch
    {
        MultiprotocolCapability => 4,
        FourOctetAsCapability => 4,
        AddPathCapability a => 4 * a.Entries.Length,
        ExtendedNextHopCapability x => 6 * x.Entries.Length,
        GracefulRestartCapability g => 2 + 4 * g.Families.Length,
        LongLivedGracefulRestartCapability l => 7 * l.Families.Length,
        FqdnCapability f => 2 + Math.Min(255, Encoding.UTF8.GetByteCount(f.HostName)) + Math.Min(255, Encoding.UTF8.GetByteCount(f.DomainName)),
        RoleCapability => 1,
        UnknownCapability u => u.Value.Length,
        _ => 0,
    };

    /// <summary>Writes code, length and value; returns the octets written.</summary>
    public static int Write(Span<byte> d, Capability capability)
    {
        ArgumentNullException.ThrowIfNull(capability);
        int len = ValueLength(capability);
        if (len > 255) throw new ArgumentException($"capability {capability.Code} value is {len} octets, more than 255", nameof(capability));
        d[0] = (byte)capability.Code;
        d[1] = (byte)len;
        var v = d[2..];
        switch (capability)
        {
            case MultiprotocolCapability m:
                WriteFamily(v, m.Family);
                v[2] = 0;
                v[3] = (byte)m.Family.Safi;
                break;
            case FourOctetAsCapability f:
                BinaryPrimitives.WriteUInt32BigEndian(v, f.Asn);
                break;
            case AddPathCapability a:
                for (int i = 0; i < a.Entries.Length; i++)
                {
                    WriteFamily(v[(i * 4)..], a.Entries[i].Family);
                    v[i * 4 + 3] = (byte)a.Entries[i].Mode;
                }
                break;
            case ExtendedNextHopCapability x:
                for (int i = 0; i < x.Entries.Length; i++)
                {
                    var s = v[(i * 6)..];
                    BinaryPrimitives.WriteUInt16BigEndian(s, (ushort)x.Entries[i].Family.Afi);
                    BinaryPrimitives.WriteUInt16BigEndian(s[2..], (byte)x.Entries[i].Family.Safi);
                    BinaryPrimitives.WriteUInt16BigEndian(s[4..], (ushort)x.Entries[i].NextHopAfi);
                }
                break;
            case GracefulRestartCapability g:
                BinaryPrimitives.WriteUInt16BigEndian(v, (ushort)((g.Restarting ? 0x8000 : 0) | (g.Notification ? 0x4000 : 0) | (g.RestartTime & 0x0FFF)));
                for (int i = 0; i < g.Families.Length; i++)
                {
                    WriteFamily(v[(2 + i * 4)..], g.Families[i].Family);
                    v[2 + i * 4 + 3] = g.Families[i].ForwardingPreserved ? (byte)0x80 : (byte)0;
                }
                break;
            case LongLivedGracefulRestartCapability l:
                for (int i = 0; i < l.Families.Length; i++)
                {
                    var s = v[(i * 7)..];
                    WriteFamily(s, l.Families[i].Family);
                    s[3] = l.Families[i].ForwardingPreserved ? (byte)0x80 : (byte)0;
                    s[4] = (byte)(l.Families[i].StaleTime >> 16);
                    s[5] = (byte)(l.Families[i].StaleTime >> 8);
                    s[6] = (byte)l.Families[i].StaleTime;
                }
                break;
            case FqdnCapability f:
            {
                int hl = WriteShortString(v[1..], f.HostName);
                v[0] = (byte)hl;
                int dl = WriteShortString(v[(2 + hl)..], f.DomainName);
                v[1 + hl] = (byte)dl;
                break;
            }
            case RoleCapability r:
                v[0] = (byte)r.Role;
                break;
            case UnknownCapability u:
                u.Value.AsSpan().CopyTo(v);
                break;
        }
        return 2 + len;
    }

    private static int WriteShortString(Span<byte> d, string s)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        int n = Math.Min(255, b.Length);
        b.AsSpan(0, n).CopyTo(d);
        return n;
    }

    /// <summary>AFI (2) and SAFI (1) in the 3-octet layout most capabilities use.</summary>
    private static void WriteFamily(Span<byte> d, AddressFamily f)
    {
        BinaryPrimitives.WriteUInt16BigEndian(d, (ushort)f.Afi);
        d[2] = (byte)f.Safi;
    }

    private static AddressFamily Family(ReadOnlySpan<byte> afi, byte safi) =>
        new((Afi)BinaryPrimitives.ReadUInt16BigEndian(afi), (Safi)safi);
}
