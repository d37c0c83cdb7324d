using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;

namespace StackBgp.Wire.Tests;

/// <summary>FsCheck generators for well-formed messages and attributes.</summary>
internal static class Generators
{
    public static readonly Gen<uint> UInt32 =
        Gen.Choose(0, 0xFFFF).SelectMany(hi => Gen.Choose(0, 0xFFFF), (hi, lo) => ((uint)hi << 16) | (uint)lo);

    public static readonly Gen<ulong> UInt64 = UInt32.SelectMany(_ => UInt32, (hi, lo) => ((ulong)hi << 32) | lo);

    public static Gen<uint> Asn(bool twoOctetOnly) => twoOctetOnly
        ? Gen.Choose(1, 65535).Select(x => (uint)x)
        : Gen.Frequency((3, Gen.Choose(1, 65535).Select(x => (uint)x)), (1, UInt32.Where(x => x > 65535)));

    /// <summary>A valid unicast IPv4 next hop (RFC 4271 §6.3).</summary>
    public static readonly Gen<uint> V4NextHop = UInt32.Where(AttributeDecoder.IsValidV4NextHop);

    public static readonly Gen<Prefix> V4Prefix =
        UInt32.SelectMany(_ => Gen.Choose(0, 32), (a, l) => Prefix.FromV4(a, l));

    public static readonly Gen<Prefix> V6Prefix =
        UInt64.SelectMany(_ => UInt64, (h, l) => (h, l)).SelectMany(_ => Gen.Choose(0, 128), (hl, len) => Prefix.FromV6(hl.h, hl.l, len));

    public static Gen<ImmutableArray<Nlri>> Nlris(Gen<Prefix> prefix, bool addPath, int max = 20) =>
        Gen.Choose(0, max).SelectMany(n => Gen.ArrayOf(prefix.SelectMany(_ => addPath ? UInt32 : Gen.Constant(0u), (p, id) => new Nlri(p, id)), n))
            .Select(a => a.ToImmutableArray());

    private static Gen<AsPathSegment> Segment(AsPathSegmentType type, bool twoOctetOnly) =>
        Gen.Choose(1, 6).SelectMany(n => Gen.ArrayOf(Asn(twoOctetOnly), n)).Select(a => new AsPathSegment(type, a));

    /// <summary>
    /// AS paths: optional leading confederation segments (2-octet ASNs when the path is for a 2-octet
    /// peer, since RFC 6793 cannot carry 4-octet confederation members to one), then SEQ/SET segments.
    /// </summary>
    public static Gen<AsPath> AsPath(bool forTwoOctetPeer) =>
        from confed in Gen.Frequency(
            (4, Gen.Constant(Array.Empty<AsPathSegment>())),
            (1, Gen.Elements(AsPathSegmentType.AsConfedSequence, AsPathSegmentType.AsConfedSet).SelectMany(t => Segment(t, forTwoOctetPeer)).Select(s => new[] { s })))
        from n in Gen.Choose(0, 4)
        from segs in Gen.ArrayOf(Gen.Elements(AsPathSegmentType.AsSequence, AsPathSegmentType.AsSequence, AsPathSegmentType.AsSet)
            .SelectMany(t => Segment(t, false)), n)
        select new StackBgp.Wire.AsPath(confed.Concat(segs).ToImmutableArray());

    private static readonly byte[] UnknownCodes = Enumerable.Range(19, 236)
        .Where(c => c is not ((int)AttributeCode.LargeCommunities or (int)AttributeCode.Otc)).Select(c => (byte)c).ToArray();

    private static Gen<T?> Maybe<T>(Gen<T> g) where T : struct =>
        Gen.Frequency((1, Gen.Constant<T?>(null)), (1, g.Select(x => (T?)x)));

    private static Gen<ImmutableArray<T>> Arr<T>(Gen<T> g, int max) =>
        Gen.Choose(0, max).SelectMany(n => Gen.ArrayOf(g, n)).Select(a => a.ToImmutableArray());

    /// <summary>Path attributes for an internal peer (so LOCAL_PREF is kept) with an IPv4 NEXT_HOP or none.</summary>
    public static Gen<PathAttributes> Attributes(bool forTwoOctetPeer) =>
        from origin in Gen.Elements(Origin.Igp, Origin.Egp, Origin.Incomplete)
        from path in AsPath(forTwoOctetPeer)
        from nh in Gen.Frequency((1, Gen.Constant(NextHop.None)), (3, V4NextHop.Select(NextHop.FromV4)))
        from med in Maybe(UInt32)
        from lp in Maybe(UInt32)
        from atomic in Gen.Elements(true, false)
        from agg in Maybe(Asn(false).SelectMany(_ => UInt32, (a, ip) => new Aggregator(a, ip)))
        from comms in Arr(UInt32, 6)
        from ext in Arr(UInt64, 4)
        from large in Arr(UInt32.SelectMany(_ => UInt32, (a, b) => new LargeCommunity(a, b, a ^ b)), 4)
        from oid in Maybe(UInt32)
        from cl in Arr(UInt32, 4)
        from otc in Maybe(UInt32)
        from unk in Gen.SubListOf(UnknownCodes.Take(6).Concat(UnknownCodes.TakeLast(3)).ToArray())
            .SelectMany(codes => Gen.ArrayOf(Arr(Gen.Choose(0, 255).Select(x => (byte)x), 300), codes.Count), (codes, vals) =>
                codes.Select((c, i) => new UnknownAttribute(AttributeFlags.Optional | AttributeFlags.Transitive | AttributeFlags.Partial, c, vals[i])).ToImmutableArray())
        from partialPick in Gen.Choose(0, 31)
        select new PathAttributes
        {
            // Partial only on attributes that are present (it travels in their flags).
            PartialMask = (((partialPick & 1) != 0 && agg.HasValue) ? 1UL << 7 : 0)
                | (((partialPick & 2) != 0 && !comms.IsEmpty) ? 1UL << 8 : 0)
                | (((partialPick & 4) != 0 && !ext.IsEmpty) ? 1UL << 16 : 0)
                | (((partialPick & 8) != 0 && !large.IsEmpty) ? 1UL << 32 : 0)
                | (((partialPick & 16) != 0 && otc.HasValue) ? 1UL << 35 : 0),
            Origin = origin,
            AsPath = path,
            NextHop = nh,
            Med = med,
            LocalPref = lp,
            AtomicAggregate = atomic,
            Aggregator = agg,
            Communities = comms,
            ExtendedCommunities = ext,
            LargeCommunities = large,
            OriginatorId = oid,
            ClusterList = cl,
            Otc = otc,
            Unknown = unk,
        };

    /// <summary>Well-formed UPDATEs: any announced route has ORIGIN/AS_PATH (always encoded) and a next hop.</summary>
    public static Gen<UpdateMessage> Update(bool forTwoOctetPeer, bool addPathV4, bool addPathV6) =>
        from withdrawn in Nlris(V4Prefix, addPathV4)
        from attrs in Gen.Frequency((1, Gen.Constant<PathAttributes?>(null)), (4, Attributes(forTwoOctetPeer).Select(a => (PathAttributes?)a)))
        from nlri in Nlris(V4Prefix, addPathV4)
        from reachKind in Gen.Choose(0, 2)
        from v6nh in UInt64.SelectMany(_ => UInt64, (h, l) => (h, l)).SelectMany(_ => Gen.Elements(true, false), (g, ll) => ll ? NextHop.FromV6(g.h, g.l, 0xfe80000000000000UL, g.l) : NextHop.FromV6(g.h, g.l))
        from v4nh in V4NextHop
        from reachV6 in Nlris(V6Prefix, addPathV6)
        from reachV4 in Nlris(V4Prefix, addPathV4)
        from unreachKind in Gen.Choose(0, 2)
        from unreachV6 in Nlris(V6Prefix, addPathV6)
        select Fix(new UpdateMessage
        {
            Withdrawn = withdrawn,
            Attributes = attrs,
            Nlri = nlri,
            MpReach = reachKind switch
            {
                1 => new MpReach(AddressFamily.Ipv6Unicast, v6nh, reachV6),
                2 => new MpReach(AddressFamily.Ipv4Unicast, NextHop.FromV4(v4nh), reachV4),
                _ => null,
            },
            MpUnreach = unreachKind switch
            {
                1 => new MpUnreach(AddressFamily.Ipv6Unicast, unreachV6),
                2 => new MpUnreach(AddressFamily.Ipv4Unicast, withdrawn),
                _ => null,
            },
        });

    /// <summary>Makes a generated UPDATE well formed: routes need attributes, body NLRI need NEXT_HOP.</summary>
    private static UpdateMessage Fix(UpdateMessage u)
    {
        bool announces = !u.Nlri.IsEmpty || u.MpReach is { Nlri.IsEmpty: false };
        var attrs = u.Attributes;
        if (announces && attrs is null) attrs = new PathAttributes();
        if (!u.Nlri.IsEmpty && attrs!.NextHop.IsNone) attrs = attrs with { NextHop = NextHop.FromV4(0x0A000001) };
        return u with { Attributes = attrs };
    }

    public static readonly Gen<Capability> Capability = Gen.OneOf(
        Gen.Elements(AddressFamily.Ipv4Unicast, AddressFamily.Ipv6Unicast).Select(f => (Capability)new MultiprotocolCapability(f)),
        Gen.Elements<Capability>(new RouteRefreshCapability(), new RouteRefreshCapability(true), new EnhancedRouteRefreshCapability(), new ExtendedMessageCapability()),
        UInt32.Select(a => (Capability)new FourOctetAsCapability(a)),
        Gen.NonEmptyListOf(Gen.Elements(AddressFamily.Ipv4Unicast, AddressFamily.Ipv6Unicast).SelectMany(_ => Gen.Elements(AddPathMode.Send, AddPathMode.Receive, AddPathMode.Both), (f, m) => new AddPathEntry(f, m)))
            .Select(l => (Capability)new AddPathCapability(l.Take(5).ToImmutableArray())),
        Gen.Elements(Afi.Ipv4, Afi.Ipv6).Select(a => (Capability)new ExtendedNextHopCapability(ImmutableArray.Create(new ExtendedNextHopEntry(AddressFamily.Ipv4Unicast, a)))),
        from r in Gen.Elements(true, false)
        from n in Gen.Elements(true, false)
        from t in Gen.Choose(0, 4095)
        from fams in Arr(Gen.Elements(AddressFamily.Ipv4Unicast, AddressFamily.Ipv6Unicast).SelectMany(_ => Gen.Elements(true, false), (f, fw) => new GracefulRestartFamily(f, fw)), 3)
        select (Capability)new GracefulRestartCapability(r, n, (ushort)t, fams),
        Arr(Gen.Elements(AddressFamily.Ipv4Unicast, AddressFamily.Ipv6Unicast).SelectMany(_ => Gen.Choose(0, 0xFFFFFF), (f, s) => new LlgrFamily(f, s % 2 == 0, (uint)s)), 3)
            .Select(l => (Capability)new LongLivedGracefulRestartCapability(l)),
        Gen.Elements("node1", "leaf-2.rack3", "", "compute-0").SelectMany(_ => Gen.Elements("", "example.org"), (h, d) => (Capability)new FqdnCapability(h, d)),
        Gen.Choose(0, 4).Select(r => (Capability)new RoleCapability((BgpRole)r)),
        Gen.Elements<byte>(3, 4, 7, 8, 66, 72, 131, 200).SelectMany(_ => Arr(Gen.Choose(0, 255).Select(x => (byte)x), 10), (c, v) => (Capability)new UnknownCapability(c, v)));

    public static readonly Gen<OpenMessage> Open =
        from asn in Gen.Choose(0, 65535)
        from hold in Gen.Elements(0, 3, 9, 90, 180, 65535)
        from id in UInt32.Where(x => x != 0)
        from caps in Arr(Capability, 12)
        from per in Gen.Elements(true, false)
        from ext in Gen.Elements(true, false)
        select new OpenMessage
        {
            MyAs = (ushort)asn,
            HoldTime = (ushort)hold,
            BgpId = id,
            Capabilities = caps,
            OneCapabilityPerParameter = per && caps.Length > 1,
            ExtendedOptionalParameters = ext,
        };

    public static readonly Gen<BgpMessage> Simple = Gen.OneOf(
        from c in Gen.Choose(1, 8)
        from s in Gen.Choose(0, 255)
        from d in Arr(Gen.Choose(0, 255).Select(x => (byte)x), 40)
        select (BgpMessage)new NotificationMessage((BgpErrorCode)c, (byte)s, d),
        Gen.Constant<BgpMessage>(KeepaliveMessage.Instance),
        from afi in Gen.Choose(0, 65535)
        from safi in Gen.Choose(0, 255)
        from st in Gen.Choose(0, 2)
        select (BgpMessage)new RouteRefreshMessage(new AddressFamily((Afi)afi, (Safi)safi), (RouteRefreshSubtype)st));
}
