using System.Net;
using StackBgp.Linux.Links;
using StackBgp.Linux.Netlink;
using StackBgp.Linux.Routes;
using Xunit;

namespace StackBgp.Linux.Tests;

/// <summary>Golden bytes both ways for the route codec, and ACK/extended-ack parsing.</summary>
public sealed class CodecTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    [Fact]
    public void Ipv4_route_with_one_gateway_encodes_as_iproute2_would()
    {
        var route = new KernelRoute(IPNetwork.Parse("10.1.0.0/24"), [new KernelNextHop(IPAddress.Parse("10.77.0.2"), 3)], 254, 186, 20, null);
        var b = new NetlinkBuilder();
        RouteCodec.EncodeNew(b, route, Nl.FCreate | Nl.FReplace, seq: 7);

        byte[] expected = Hex(
            "44000000 1800 0505 07000000 00000000" +   // nlmsghdr: len 68, RTM_NEWROUTE, REQUEST|ACK|REPLACE|CREATE, seq 7
            "02 18 00 00 fe ba 00 01 00000000" +       // rtmsg: AF_INET /24 table 254 proto 186 scope universe unicast
            "0800 0f00 fe000000" +                     // RTA_TABLE 254
            "0800 0100 0a010000" +                     // RTA_DST 10.1.0.0
            "0800 0600 14000000" +                     // RTA_PRIORITY 20
            "0800 0500 0a4d0002" +                     // RTA_GATEWAY 10.77.0.2
            "0800 0400 03000000");                     // RTA_OIF 3
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(b.Written));

        var reader = new NetlinkMessageReader(b.Written);
        Assert.True(reader.TryRead(out NetlinkMessage m));
        KernelRoute decoded = RouteCodec.Decode(m.Payload)!;
        Assert.Equal(route, decoded);
    }

    [Fact]
    public void Ipv4_ecmp_route_via_ipv6_link_local_next_hops_uses_rta_multipath_and_rta_via()
    {
        var route = new KernelRoute(IPNetwork.Parse("10.4.0.0/24"),
            [new KernelNextHop(IPAddress.Parse("fe80::1"), 3), new KernelNextHop(IPAddress.Parse("fe80::2"), 4, Weight: 2)], 254, 186, 20, null);
        var b = new NetlinkBuilder();
        RouteCodec.EncodeNew(b, route, Nl.FCreate | Nl.FReplace, seq: 1);

        string nh1 = "2000 00 00 03000000" + "1600 1200 0a00 fe800000000000000000000000000001 0000"; // rtnexthop + RTA_VIA(inet6) + pad
        string nh2 = "2000 00 01 04000000" + "1600 1200 0a00 fe800000000000000000000000000002 0000"; // hops = weight-1 = 1
        byte[] expected = Hex(
            "78000000 1800 0505 01000000 00000000" +
            "02 18 00 00 fe ba 00 01 00000000" +
            "0800 0f00 fe000000" + "0800 0100 0a040000" + "0800 0600 14000000" +
            "4400 0900" + nh1 + nh2);                  // RTA_MULTIPATH, 4 + 2 x 32 bytes
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(b.Written));

        var reader = new NetlinkMessageReader(b.Written);
        Assert.True(reader.TryRead(out NetlinkMessage m));
        Assert.True(route.SameForwarding(RouteCodec.Decode(m.Payload)));
    }

    [Fact]
    public void Delete_matches_any_scope_and_type_and_carries_the_key()
    {
        var b = new NetlinkBuilder();
        RouteCodec.EncodeDelete(b, new KernelRoute(IPNetwork.Parse("2001:db8::/32"), [], 1000, 186, 1024, null), seq: 2);
        byte[] expected = Hex(
            "40000000 1900 0500 02000000 00000000" +  // RTM_DELROUTE, REQUEST|ACK
            "0a 20 00 00 00 ba ff 00 00000000" +      // AF_INET6 /32, table in RTA_TABLE (>255), scope NOWHERE, type 0
            "0800 0f00 e8030000" +                    // RTA_TABLE 1000
            "1400 0100 20010db8000000000000000000000000" +
            "0800 0600 00040000");                    // RTA_PRIORITY 1024
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(b.Written));
    }

    [Fact]
    public void Error_ack_with_extended_ack_text_is_parsed()
    {
        byte[] datagram = Hex(
            "44000000 0200 0003 2a000000 01020000" +  // NLMSG_ERROR, flags CAPPED|ACK_TLVS, seq 42
            "9bffffff" +                              // error -101 (ENETUNREACH)
            "44000000 1800 0505 2a000000 00000000" +  // the request's header, echoed
            "2000 0100" + Convert.ToHexString("Nexthop has invalid gateway\0"u8) ); // NLMSGERR_ATTR_MSG
        var reader = new NetlinkMessageReader(datagram);
        Assert.True(reader.TryRead(out NetlinkMessage m));
        Assert.Equal(Nl.Error, m.Type);
        Assert.Equal(42u, m.Seq);
        Assert.Equal(Errno.ENETUNREACH, m.ReadError(out string? text));
        Assert.Equal("Nexthop has invalid gateway", text);
        Assert.Equal("ENETUNREACH", Errno.Name(Errno.ENETUNREACH));
    }

    [Fact]
    public void Truncated_or_garbage_input_never_throws()
    {
        var random = new Random(5);
        byte[] buffer = new byte[96];
        for (int i = 0; i < 2000; i++)
        {
            random.NextBytes(buffer);
            ReadOnlySpan<byte> span = buffer.AsSpan(0, random.Next(buffer.Length));
            var reader = new NetlinkMessageReader(span);
            while (reader.TryRead(out NetlinkMessage m))
            {
                _ = m.ReadError(out _);
                _ = LinkCodec.DecodeLink(m.Payload);
                _ = LinkCodec.DecodeNeighbor(m.Payload);
                _ = LinkCodec.DecodeAddress(m.Payload, null);
                _ = RouteCodec.Decode(m.Payload);
            }
        }
    }
}
