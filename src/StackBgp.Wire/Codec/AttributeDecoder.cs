using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace StackBgp.Wire;

/// <summary>What <see cref="AttributeDecoder.Decode"/> found in an attribute block, besides the errors.</summary>
public readonly ref struct AttributeBlock
{
    internal AttributeBlock(PathAttributes? attributes, NextHop nextHopAttribute, bool nextHopIsMp, bool hasOrigin, bool hasAsPath, bool hasNextHop, bool truncated,
        ReadOnlySpan<byte> mpReach, bool hasMpReach, ReadOnlySpan<byte> mpReachWhole,
        ReadOnlySpan<byte> mpUnreach, bool hasMpUnreach, ReadOnlySpan<byte> mpUnreachWhole)
    {
        Attributes = attributes;
        NextHopAttribute = nextHopAttribute;
        NextHopIsMp = nextHopIsMp;
        HasOrigin = hasOrigin;
        HasAsPath = hasAsPath;
        HasNextHop = hasNextHop;
        IsTruncated = truncated;
        MpReach = mpReach;
        HasMpReach = hasMpReach;
        MpReachWhole = mpReachWhole;
        MpUnreach = mpUnreach;
        HasMpUnreach = hasMpUnreach;
        MpUnreachWhole = mpUnreachWhole;
    }

    /// <summary>
    /// The decoded set; null when the block was empty. Its NextHop is the NEXT_HOP attribute, or the
    /// MP_REACH_NLRI next hop when <see cref="NextHopIsMp"/>.
    /// </summary>
    public PathAttributes? Attributes { get; }
    /// <summary>The NEXT_HOP attribute (IPv4 body NLRI); <see cref="NextHop.None"/> when absent or invalid.</summary>
    public NextHop NextHopAttribute { get; }
    /// <summary><see cref="Attributes"/> carries the MP_REACH_NLRI next hop (asked for, and the header parsed).</summary>
    public bool NextHopIsMp { get; }
    public bool HasOrigin { get; }
    public bool HasAsPath { get; }
    public bool HasNextHop { get; }
    /// <summary>An attribute ran past the block (RFC 7606 §4); later attributes were not seen.</summary>
    public bool IsTruncated { get; }
    public ReadOnlySpan<byte> MpReach { get; }
    public bool HasMpReach { get; }
    public ReadOnlySpan<byte> MpReachWhole { get; }
    public ReadOnlySpan<byte> MpUnreach { get; }
    public bool HasMpUnreach { get; }
    public ReadOnlySpan<byte> MpUnreachWhole { get; }
}

/// <summary>
/// Decodes a path attribute block into one <see cref="PathAttributes"/>, recording every problem with
/// its RFC 7606 action in an <see cref="ErrorRecord"/>. Never throws on malformed input.
/// </summary>
public static partial class AttributeDecoder
{
    public static AttributeBlock Decode(ReadOnlySpan<byte> block, in DecodeContext context, ref ErrorRecord errors) =>
        Decode(block, context, ref errors, useMpReachNextHop: false);

    /// <summary>
    /// With <paramref name="useMpReachNextHop"/>, the set is built with the MP_REACH_NLRI next hop when
    /// there is one (saves a second attribute object for MP updates; the NEXT_HOP attribute stays in
    /// <see cref="AttributeBlock.NextHopAttribute"/>).
    /// </summary>
    public static AttributeBlock Decode(ReadOnlySpan<byte> block, in DecodeContext context, ref ErrorRecord errors, bool useMpReachNextHop)
    {
        Span<ulong> seen = stackalloc ulong[4];
        seen.Clear();
        var origin = Origin.Igp;
        bool hasOrigin = false, hasAsPath = false, hasNextHop = false, atomic = false;
        AsPath asPath = AsPath.Empty;
        AsPath? as4Path = null;
        NextHop nextHop = default;
        uint? med = null, localPref = null, originatorId = null, otc = null;
        Aggregator? aggregator = null, as4Aggregator = null;
        ImmutableArray<uint> communities = default, clusterList = default;
        ImmutableArray<ulong> extCommunities = default;
        ImmutableArray<LargeCommunity> large = default;
        ImmutableArray<UnknownAttribute>.Builder? unknown = null;
        ReadOnlySpan<byte> mpReach = default, mpReachWhole = default, mpUnreach = default, mpUnreachWhole = default;
        bool hasMpReach = false, hasMpUnreach = false;
        bool ebgp = !context.IsInternal && !context.IsConfederationPeer;
        ulong partial = 0;

        var e = new AttributeEnumerator(block);
        while (e.MoveNext())
        {
            var a = e.Current;
            var v = a.Value;
            bool isMp = a.Code is (byte)AttributeCode.MpReachNlri or (byte)AttributeCode.MpUnreachNlri;

            // RFC 7606 §3 g: a repeated MP attribute is fatal; other repeats are discarded.
            ref ulong word = ref seen[a.Code >> 6];
            ulong bit = 1UL << (a.Code & 63);
            if ((word & bit) != 0)
            {
                errors.Add(isMp
                    ? WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.MalformedAttributeList, $"attribute {a.Code} repeated", a.Whole)
                    : WireError.Update(ErrorAction.AttributeDiscard, UpdateMessageSubcode.MalformedAttributeList, $"attribute {a.Code} repeated, later copy discarded", a.Whole));
                continue;
            }
            word |= bit;

            var desc = AttributeDescriptor.Get(a.Code);
            if (desc is null)
            {
                if (!a.IsOptional)
                    errors.Add(WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.UnrecognizedWellKnownAttribute, $"unrecognized well-known attribute {a.Code}", a.Whole));
                else if (a.IsTransitive)
                    (unknown ??= ImmutableArray.CreateBuilder<UnknownAttribute>()).Add(
                        new UnknownAttribute(a.Flags | AttributeFlags.Partial, a.Code, ImmutableArray.Create(v.ToArray())));
                // RFC 4271 §5: unrecognized optional non-transitive attributes are quietly ignored.
                continue;
            }

            if (!desc.Value.FlagsOk(a.Flags))
            {
                // RFC 7606 §3 c: treat-as-withdraw; MP attributes are fatal (RFC 7606 §3 d, §5.3).
                errors.Add(WireError.Update(isMp ? ErrorAction.SessionReset : ErrorAction.TreatAsWithdraw, UpdateMessageSubcode.AttributeFlagsError,
                    $"{desc.Value.Name} has flags 0x{(byte)a.Flags:x2}", a.Whole));
                continue;
            }

            if ((a.Flags & AttributeFlags.Partial) != 0 && a.IsOptional && a.IsTransitive && a.Code < 64)
                partial |= 1UL << a.Code;

            switch ((AttributeCode)a.Code)
            {
                case AttributeCode.Origin: // RFC 7606 §7.1
                    if (v.Length != 1) Withdraw(ref errors, UpdateMessageSubcode.AttributeLengthError, "ORIGIN length", a);
                    else if (v[0] > 2) Withdraw(ref errors, UpdateMessageSubcode.InvalidOriginAttribute, $"ORIGIN value {v[0]}", a);
                    else
                    {
                        origin = (Origin)v[0];
                        hasOrigin = true;
                    }
                    break;
                case AttributeCode.AsPath: // RFC 7606 §7.2
                    if (!AsPathCodec.TryRead(v, context.FourOctetAs, out var path))
                        Withdraw(ref errors, UpdateMessageSubcode.MalformedAsPath, "AS_PATH malformed", a);
                    else if (ebgp && HasConfed(path))
                        Withdraw(ref errors, UpdateMessageSubcode.MalformedAsPath, "AS_PATH from an external peer has confederation segments", a);
                    else if (context.RequiredFirstAs != 0 && !context.IsInternal && path.LeftmostAs != context.RequiredFirstAs)
                        Withdraw(ref errors, UpdateMessageSubcode.MalformedAsPath, $"AS_PATH does not start with the peer AS {context.RequiredFirstAs}", a);
                    else
                    {
                        asPath = path;
                        hasAsPath = true;
                    }
                    break;
                case AttributeCode.NextHop: // RFC 7606 §7.3
                    if (v.Length != 4) Withdraw(ref errors, UpdateMessageSubcode.AttributeLengthError, "NEXT_HOP length", a);
                    else
                    {
                        uint nh = BinaryPrimitives.ReadUInt32BigEndian(v);
                        if (!IsValidV4NextHop(nh)) Withdraw(ref errors, UpdateMessageSubcode.InvalidNextHopAttribute, $"NEXT_HOP {PathAttributes.FormatV4(nh)} is not a unicast address", a);
                        else
                        {
                            nextHop = NextHop.FromV4(nh);
                            hasNextHop = true;
                        }
                    }
                    break;
                case AttributeCode.MultiExitDisc: // RFC 7606 §7.4
                    if (v.Length != 4) Withdraw(ref errors, UpdateMessageSubcode.AttributeLengthError, "MULTI_EXIT_DISC length", a);
                    else med = BinaryPrimitives.ReadUInt32BigEndian(v);
                    break;
                case AttributeCode.LocalPref: // RFC 7606 §7.5: from an external peer it is discarded (not an error)
                    if (ebgp) break;
                    if (v.Length != 4) Withdraw(ref errors, UpdateMessageSubcode.AttributeLengthError, "LOCAL_PREF length", a);
                    else localPref = BinaryPrimitives.ReadUInt32BigEndian(v);
                    break;
                case AttributeCode.AtomicAggregate: // RFC 7606 §7.6
                    if (v.Length != 0) Discard(ref errors, "ATOMIC_AGGREGATE length", a);
                    else atomic = true;
                    break;
                case AttributeCode.Aggregator: // RFC 7606 §7.7
                    if (v.Length != (context.FourOctetAs ? 8 : 6)) Discard(ref errors, "AGGREGATOR length", a);
                    else aggregator = context.FourOctetAs
                        ? new Aggregator(BinaryPrimitives.ReadUInt32BigEndian(v), BinaryPrimitives.ReadUInt32BigEndian(v[4..]))
                        : new Aggregator(BinaryPrimitives.ReadUInt16BigEndian(v), BinaryPrimitives.ReadUInt32BigEndian(v[2..]));
                    break;
                case AttributeCode.Communities: // RFC 7606 §7.8
                    if (v.Length == 0 || v.Length % 4 != 0) Withdraw(ref errors, UpdateMessageSubcode.AttributeLengthError, "COMMUNITIES length", a);
                    else communities = SortedUnique(ReadUInt32s(v));
                    break;
                case AttributeCode.OriginatorId: // RFC 7606 §7.9
                    if (v.Length != 4) Withdraw(ref errors, UpdateMessageSubcode.AttributeLengthError, "ORIGINATOR_ID length", a);
                    else originatorId = BinaryPrimitives.ReadUInt32BigEndian(v);
                    break;
                case AttributeCode.ClusterList: // RFC 7606 §7.10
                    if (v.Length == 0 || v.Length % 4 != 0) Withdraw(ref errors, UpdateMessageSubcode.AttributeLengthError, "CLUSTER_LIST length", a);
                    else clusterList = ImmutableCollectionsMarshal.AsImmutableArray(ReadUInt32s(v)); // path order
                    break;
                case AttributeCode.MpReachNlri: // checked by the UPDATE decoder (RFC 7606 §7.11)
                    mpReach = v;
                    mpReachWhole = a.Whole;
                    hasMpReach = true;
                    break;
                case AttributeCode.MpUnreachNlri:
                    mpUnreach = v;
                    mpUnreachWhole = a.Whole;
                    hasMpUnreach = true;
                    break;
                case AttributeCode.ExtendedCommunities: // RFC 7606 §7.14
                    if (v.Length == 0 || v.Length % 8 != 0) Withdraw(ref errors, UpdateMessageSubcode.AttributeLengthError, "EXTENDED_COMMUNITIES length", a);
                    else extCommunities = SortedUnique(ReadUInt64s(v));
                    break;
                case AttributeCode.As4Path: // RFC 6793 §6 / RFC 7606 §7.12: malformed = attribute discard
                    if (context.FourOctetAs) break; // RFC 6793 §4.1: ignored from a 4-octet speaker
                    if (!AsPathCodec.TryRead(v, true, out var p4)) Discard(ref errors, "AS4_PATH malformed", a);
                    else as4Path = p4;
                    break;
                case AttributeCode.As4Aggregator: // RFC 6793 §6
                    if (context.FourOctetAs) break;
                    if (v.Length != 8) Discard(ref errors, "AS4_AGGREGATOR length", a);
                    else as4Aggregator = new Aggregator(BinaryPrimitives.ReadUInt32BigEndian(v), BinaryPrimitives.ReadUInt32BigEndian(v[4..]));
                    break;
                case AttributeCode.LargeCommunities: // RFC 8092 §5
                    if (v.Length == 0 || v.Length % 12 != 0) Withdraw(ref errors, UpdateMessageSubcode.AttributeLengthError, "LARGE_COMMUNITY length", a);
                    else large = SortedUnique(ReadLarge(v));
                    break;
                case AttributeCode.Otc: // RFC 9234 §5
                    if (v.Length != 4) Withdraw(ref errors, UpdateMessageSubcode.AttributeLengthError, "OTC length", a);
                    else otc = BinaryPrimitives.ReadUInt32BigEndian(v);
                    break;
            }
        }

        if (e.IsTruncated)
            errors.Add(WireError.Update(ErrorAction.TreatAsWithdraw, UpdateMessageSubcode.MalformedAttributeList, "attribute runs past the total path attribute length"));

        // RFC 6793 §4.2.3: reconstruct the 4-octet path and aggregator from a 2-octet speaker.
        if (!context.FourOctetAs)
        {
            bool ignoreAs4 = false;
            if (aggregator is { } ag && as4Aggregator is { } ag4)
            {
                if (ag.Asn != Asn.AsTrans) ignoreAs4 = true;
                else aggregator = ag4;
            }
            if (!ignoreAs4 && as4Path is { } as4 && hasAsPath) asPath = AsPathCodec.Merge(asPath, as4);
        }

        var nextHopAttribute = nextHop;
        bool nextHopIsMp = false;
        if (useMpReachNextHop && hasMpReach
            && MpReachReader.TryReadReach(mpReach, context, out _, out var mpNextHop, out _, out _) == MpParseStatus.Ok)
        {
            nextHop = mpNextHop;
            nextHopIsMp = true;
        }

        PathAttributes? attrs = null;
        if (!block.IsEmpty)
        {
            attrs = new PathAttributes
            {
                Origin = origin,
                AsPath = asPath,
                NextHop = nextHop,
                Med = med,
                LocalPref = localPref,
                AtomicAggregate = atomic,
                Aggregator = aggregator,
                Communities = communities,
                ExtendedCommunities = extCommunities,
                LargeCommunities = large,
                OriginatorId = originatorId,
                ClusterList = clusterList,
                Otc = otc,
                Unknown = unknown?.ToImmutable() ?? default,
                PartialMask = partial & KeptPartialCodes,
            };
        }
        return new AttributeBlock(attrs, nextHopAttribute, nextHopIsMp, hasOrigin, hasAsPath, hasNextHop, e.IsTruncated,
            mpReach, hasMpReach, mpReachWhole, mpUnreach, hasMpUnreach, mpUnreachWhole);
    }

    /// <summary>
    /// NEXT_HOP syntax check (RFC 4271 §6.3): not 0.0.0.0, loopback, multicast, class E or broadcast.
    /// (Whether it is the receiver's own address is the session's business.)
    /// </summary>
    public static bool IsValidV4NextHop(uint a) => a != 0 && (a >> 24) != 127 && (a >> 28) < 0xE;

    /// <summary>Codes whose Partial bit is kept (the ones stored as themselves; AS4_* are merged away).</summary>
    private const ulong KeptPartialCodes =
        (1UL << (int)AttributeCode.Aggregator) | (1UL << (int)AttributeCode.Communities) | (1UL << (int)AttributeCode.ExtendedCommunities)
        | (1UL << (int)AttributeCode.LargeCommunities) | (1UL << (int)AttributeCode.Otc);

    private static bool HasConfed(AsPath p)
    {
        foreach (var s in p.EnumerateSegments()) if (s.IsConfed) return true;
        return false;
    }

    private static void Withdraw(ref ErrorRecord errors, UpdateMessageSubcode sub, string reason, in RawAttribute a) =>
        errors.Add(WireError.Update(ErrorAction.TreatAsWithdraw, sub, reason, a.Whole));

    private static void Discard(ref ErrorRecord errors, string reason, in RawAttribute a) =>
        errors.Add(WireError.Update(ErrorAction.AttributeDiscard, UpdateMessageSubcode.AttributeLengthError, reason, a.Whole));

    // The decoder owns the arrays it reads into: wrapped without copies, and community lists put in the
    // order PathAttributes keeps them (sorted, unique) here, so that it finds them so and keeps them as
    // they are (a full table decodes hundreds of thousands of lists).
    private static uint[] ReadUInt32s(ReadOnlySpan<byte> v)
    {
        var r = new uint[v.Length / 4];
        for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadUInt32BigEndian(v[(i * 4)..]);
        return r;
    }

    private static ulong[] ReadUInt64s(ReadOnlySpan<byte> v)
    {
        var r = new ulong[v.Length / 8];
        for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadUInt64BigEndian(v[(i * 8)..]);
        return r;
    }

    private static ImmutableArray<T> SortedUnique<T>(T[] values) where T : IComparable<T>
    {
        Array.Sort(values);
        int n = values.Length == 0 ? 0 : 1;
        for (int i = 1; i < values.Length; i++)
            if (values[i].CompareTo(values[n - 1]) != 0) values[n++] = values[i];
        return ImmutableCollectionsMarshal.AsImmutableArray(n == values.Length ? values : values[..n]);
    }

    private static LargeCommunity[] ReadLarge(ReadOnlySpan<byte> v)
    {
        var r = new LargeCommunity[v.Length / 12];
        for (int i = 0; i < r.Length; i++)
        {
            var s = v[(i * 12)..];
            r[i] = new LargeCommunity(BinaryPrimitives.ReadUInt32BigEndian(s), BinaryPrimitives.ReadUInt32BigEndian(s[4..]), BinaryPrimitives.ReadUInt32BigEndian(s[8..]));
        }
        return r;
    }
}
