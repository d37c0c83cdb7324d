using System.Buffers.Binary;
using System.Net;
using StackBgp.Linux.Netlink;

namespace StackBgp.Linux.Routes;

/// <summary>The fixed part of a route message (struct rtmsg), read before deciding to decode more.</summary>
internal readonly record struct RouteHeader(byte Family, byte DstLength, int Table, byte Protocol, byte Scope, KernelRouteType Type, uint Flags);

/// <summary>
/// RTM_NEWROUTE / RTM_DELROUTE encoding and decoding.
/// <code>
///   rtmsg: | family | dst_len | src_len | tos | table | protocol | scope | type | flags u32 |
///   then RTA_TABLE, RTA_DST, RTA_PRIORITY, RTA_PREFSRC and either
///   RTA_GATEWAY|RTA_VIA + RTA_OIF (one next hop) or
///   RTA_MULTIPATH = [ rtnexthop{len, flags, hops = weight-1, ifindex} + RTA_GATEWAY|RTA_VIA ]*
/// </code>
/// </summary>
internal static class RouteCodec
{
    /// <summary>Appends an add/replace (<paramref name="nlFlags"/> carries CREATE/REPLACE/EXCL)
    /// of <paramref name="route"/>; next hops must already have interface indexes (or 0).</summary>
    public static void EncodeNew(NetlinkBuilder b, KernelRoute route, ushort nlFlags, uint seq, uint nexthopId = 0)
    {
        int start = b.BeginMessage(Rtm.NewRoute, (ushort)(Nl.FRequest | Nl.FAck | nlFlags), seq);
        bool anyGateway = false;
        foreach (KernelNextHop nh in route.NextHops)
        {
            anyGateway |= nh.Gateway is not null;
        }

        byte scope = route.Type == KernelRouteType.Unicast && !anyGateway && !route.IsIpv6 ? RtScope.Link : RtScope.Universe;
        WriteRtMsg(b, route, (byte)route.Protocol, scope, (byte)route.Type);
        WriteKey(b, route.Prefix, route.Table, route.Metric);
        if (route.PreferredSource is not null)
        {
            b.PutAddress(Rta.PrefSrc, route.PreferredSource);
        }

        if (route.Type == KernelRouteType.Unicast && nexthopId != 0)
        {
            // The next hop is a nexthop object holding the gateway and interface (RTA_NH_ID).
            b.PutU32(Rta.NhId, nexthopId);
        }
        else if (route.Type == KernelRouteType.Unicast)
        {
            byte family = route.IsIpv6 ? Af.Inet6 : Af.Inet;
            if (route.NextHops.Count == 1)
            {
                KernelNextHop nh = route.NextHops[0];
                WriteGateway(b, family, nh.Gateway);
                int oif = IfIndexOf(nh);
                if (oif != 0)
                {
                    b.PutU32(Rta.Oif, (uint)oif);
                }
            }
            else if (route.NextHops.Count > 1)
            {
                int mp = b.BeginNested(Rta.Multipath);
                foreach (KernelNextHop nh in route.NextHops)
                {
                    int weight = Math.Clamp(nh.Weight, 1, 256);
                    int rtnh = b.BeginRtNextHop(0, (byte)(weight - 1), IfIndexOf(nh));
                    WriteGateway(b, family, nh.Gateway);
                    b.EndRtNextHop(rtnh);
                }

                b.EndNested(mp);
            }
        }

        b.EndMessage(start);
    }

    /// <summary>Appends a delete of the route (table, prefix, metric, protocol) whatever its next
    /// hops; scope NOWHERE and type 0 match any, as iproute2 does.</summary>
    public static void EncodeDelete(NetlinkBuilder b, KernelRoute route, uint seq)
    {
        int start = b.BeginMessage(Rtm.DelRoute, Nl.FRequest | Nl.FAck, seq);
        WriteRtMsg(b, route, (byte)route.Protocol, RtScope.Nowhere, 0);
        WriteKey(b, route.Prefix, route.Table, route.Metric);
        b.EndMessage(start);
    }

    /// <summary>A FIB lookup for one address (`ip route get [fibmatch] A [oif N]`).</summary>
    public static void EncodeLookup(NetlinkBuilder b, IPAddress destination, int oif, bool fibMatch, uint seq)
    {
        int start = b.BeginMessage(Rtm.GetRoute, Nl.FRequest | Nl.FAck, seq);
        Span<byte> rtm = b.Reserve(Rtm.RtMsgLength);
        rtm[0] = NetlinkBuilder.FamilyOf(destination);
        rtm[1] = (byte)(NetlinkBuilder.AddressLength(destination) * 8);
        BinaryPrimitives.WriteUInt32LittleEndian(rtm[8..], fibMatch ? Rtm.FFibMatch : 0);
        b.PutAddress(Rta.Dst, destination);
        if (oif != 0)
        {
            b.PutU32(Rta.Oif, (uint)oif);
        }

        b.EndMessage(start);
    }

    public static void EncodeDump(NetlinkBuilder b, byte family, uint seq)
    {
        int start = b.BeginMessage(Rtm.GetRoute, Nl.FRequest | Nl.FAck | Nl.FDump, seq);
        Span<byte> rtm = b.Reserve(Rtm.RtMsgLength);
        rtm[0] = family;
        b.EndMessage(start);
    }

    public static bool TryReadHeader(ReadOnlySpan<byte> payload, out RouteHeader header)
    {
        if (payload.Length < Rtm.RtMsgLength)
        {
            header = default;
            return false;
        }

        int table = payload[4];
        var attrs = new AttributeReader(payload[Rtm.RtMsgLength..]);
        while (attrs.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            if (type == Rta.Table)
            {
                table = (int)AttributeReader.U32(value);
                break;
            }
        }

        header = new RouteHeader(payload[0], payload[1], table, payload[5], payload[6], (KernelRouteType)payload[7],
            BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]));
        return true;
    }

    /// <summary>Decodes an RTM_NEWROUTE/RTM_DELROUTE payload of an IPv4 or IPv6 route.</summary>
    public static KernelRoute? Decode(ReadOnlySpan<byte> payload, Func<int, string?>? ifName = null)
    {
        if (!TryReadHeader(payload, out RouteHeader h) || (h.Family != Af.Inet && h.Family != Af.Inet6))
        {
            return null;
        }

        IPAddress? dst = null, gateway = null, prefSrc = null;
        int oif = 0, metric = 0;
        uint nexthopId = 0;
        List<KernelNextHop>? multipath = null;
        var attrs = new AttributeReader(payload[Rtm.RtMsgLength..]);
        while (attrs.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            switch (type)
            {
                case Rta.Dst: dst = AttributeReader.Address(value); break;
                case Rta.Gateway: gateway = AttributeReader.Address(value); break;
                case Rta.Via: gateway = AttributeReader.Via(value); break;
                case Rta.Oif: oif = (int)AttributeReader.U32(value); break;
                case Rta.Priority: metric = (int)AttributeReader.U32(value); break;
                case Rta.PrefSrc: prefSrc = AttributeReader.Address(value); break;
                case Rta.Multipath: multipath = DecodeMultipath(value, ifName); break;
                case Rta.NhId: nexthopId = AttributeReader.U32(value); break;
            }
        }

        int maxLength = h.Family == Af.Inet6 ? 128 : 32;
        if (h.DstLength > maxLength)
        {
            return null;
        }

        dst ??= h.Family == Af.Inet6 ? IPAddress.IPv6Any : IPAddress.Any;
        if (!TryPrefix(dst, h.DstLength, out IPNetwork prefix))
        {
            return null;
        }

        IReadOnlyList<KernelNextHop> nextHops;
        if (multipath is not null)
        {
            nextHops = multipath;
        }
        else if (gateway is not null || oif != 0)
        {
            nextHops = [new KernelNextHop(gateway, oif, oif != 0 ? ifName?.Invoke(oif) : null) { Flags = (NextHopFlags)(byte)h.Flags }];
        }
        else
        {
            nextHops = Array.Empty<KernelNextHop>();
        }

        return new KernelRoute(prefix, nextHops, h.Table, h.Protocol, metric, prefSrc) { Type = h.Type, NexthopId = nexthopId };
    }

    /// <summary>An IPNetwork if the address family matches and no host bits are set (the kernel
    /// never sends host bits; garbage must not throw).</summary>
    internal static bool TryPrefix(IPAddress address, int length, out IPNetwork prefix)
    {
        Span<byte> b = stackalloc byte[16];
        if (!address.TryWriteBytes(b, out int n) || length > n * 8)
        {
            prefix = default;
            return false;
        }

        for (int bit = length; bit < n * 8; bit++)
        {
            if ((b[bit >> 3] & (0x80 >> (bit & 7))) != 0)
            {
                prefix = default;
                return false;
            }
        }

        prefix = new IPNetwork(address, length);
        return true;
    }

    private static List<KernelNextHop> DecodeMultipath(ReadOnlySpan<byte> value, Func<int, string?>? ifName)
    {
        var list = new List<KernelNextHop>(4);
        while (value.Length >= Rta.RtNextHopLength)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(value);
            if (length < Rta.RtNextHopLength || length > value.Length)
            {
                break;
            }

            byte flags = value[2];
            int weight = value[3] + 1;
            int ifIndex = BinaryPrimitives.ReadInt32LittleEndian(value[4..]);
            IPAddress? gateway = null;
            var attrs = new AttributeReader(value[Rta.RtNextHopLength..length]);
            while (attrs.TryRead(out ushort type, out ReadOnlySpan<byte> attr))
            {
                if (type == Rta.Gateway)
                {
                    gateway = AttributeReader.Address(attr);
                }
                else if (type == Rta.Via)
                {
                    gateway = AttributeReader.Via(attr);
                }
            }

            list.Add(new KernelNextHop(gateway, ifIndex, ifIndex != 0 ? ifName?.Invoke(ifIndex) : null, weight) { Flags = (NextHopFlags)flags });
            int next = Nl.Align(length);
            value = next >= value.Length ? default : value[next..];
        }

        return list;
    }

    private static void WriteRtMsg(NetlinkBuilder b, KernelRoute route, byte protocol, byte scope, byte type)
    {
        Span<byte> rtm = b.Reserve(Rtm.RtMsgLength);
        rtm[0] = route.IsIpv6 ? Af.Inet6 : Af.Inet;
        rtm[1] = (byte)route.Prefix.PrefixLength;
        rtm[4] = route.Table is > 0 and < 256 ? (byte)route.Table : (byte)RtTable.Unspec;
        rtm[5] = protocol;
        rtm[6] = scope;
        rtm[7] = type;
    }

    private static void WriteKey(NetlinkBuilder b, IPNetwork prefix, int table, int metric)
    {
        b.PutU32(Rta.Table, (uint)table);
        if (prefix.PrefixLength > 0)
        {
            b.PutAddress(Rta.Dst, prefix.BaseAddress);
        }

        if (metric > 0)
        {
            b.PutU32(Rta.Priority, (uint)metric);
        }
    }

    private static void WriteGateway(NetlinkBuilder b, byte routeFamily, IPAddress? gateway)
    {
        if (gateway is null)
        {
            return;
        }

        if (NetlinkBuilder.FamilyOf(gateway) == routeFamily)
        {
            b.PutAddress(Rta.Gateway, gateway);
        }
        else
        {
            // RFC 8950: an IPv4 route whose next hop is an IPv6 address (`via inet6 …`).
            b.PutVia(gateway);
        }
    }

    /// <summary>The interface index to send: the explicit one, else an IPv6 link-local
    /// gateway's scope id.</summary>
    private static int IfIndexOf(KernelNextHop nh) =>
        nh.IfIndex != 0 ? nh.IfIndex
        : nh.Gateway is { IsIPv6LinkLocal: true, ScopeId: > 0 and <= int.MaxValue } g ? (int)g.ScopeId
        : 0;
}
