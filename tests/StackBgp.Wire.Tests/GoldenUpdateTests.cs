using System.Collections.Immutable;
using Xunit;

namespace StackBgp.Wire.Tests;

/// <summary>
/// Golden UPDATE vectors, assembled by hand from RFC 4271 §4.3 and the attribute RFCs (layouts drawn
/// in the codec's comments), checked both ways through the value model and through the zero-allocation
/// <see cref="UpdateDecoder"/>.
/// </summary>
public class GoldenUpdateTests
{
    private static readonly DecodeContext Ibgp = new() { FourOctetAs = true, IsInternal = true };
    private static readonly EncodeContext Four = new() { FourOctetAs = true };

    private static readonly PathAttributes AllAttributes = new()
    {
        Origin = Origin.Igp,
        AsPath = AsPath.FromSequence(65001, 65002),
        NextHop = NextHop.FromV4(Hex.V4("10.0.0.1")),
        Med = 100,
        LocalPref = 200,
        AtomicAggregate = true,
        Aggregator = new Aggregator(65001, Hex.V4("10.0.0.1")),
        Communities = ImmutableArray.Create(0xfde90064u, Community.NoExport),
        OriginatorId = Hex.V4("10.0.0.2"),
        ClusterList = ImmutableArray.Create(Hex.V4("10.0.0.3"), Hex.V4("10.0.0.4")),
        ExtendedCommunities = ImmutableArray.Create(ExtendedCommunity.RouteTarget(65001, 100)),
        LargeCommunities = ImmutableArray.Create(new LargeCommunity(65001, 1, 2)),
        Otc = 65001,
        Unknown = ImmutableArray.Create(new UnknownAttribute(AttributeFlags.Optional | AttributeFlags.Transitive | AttributeFlags.Partial, 99, ImmutableArray.Create<byte>(0xab, 0xcd))),
    };

    internal static readonly string AllAttributesUpdateBody =
        "0000" +                                   // withdrawn routes length
        "0077" +                                   // total path attribute length = 119
        "40 01 01 00" +                            // ORIGIN IGP
        "40 02 0a 02 02 0000fde9 0000fdea" +       // AS_PATH AS_SEQUENCE 65001 65002 (4-octet)
        "40 03 04 0a000001" +                      // NEXT_HOP 10.0.0.1
        "80 04 04 00000064" +                      // MULTI_EXIT_DISC 100
        "40 05 04 000000c8" +                      // LOCAL_PREF 200
        "40 06 00" +                               // ATOMIC_AGGREGATE
        "c0 07 08 0000fde9 0a000001" +             // AGGREGATOR 65001 10.0.0.1
        "c0 08 08 fde90064 ffffff01" +             // COMMUNITIES 65001:100 no-export
        "80 09 04 0a000002" +                      // ORIGINATOR_ID 10.0.0.2
        "80 0a 08 0a000003 0a000004" +             // CLUSTER_LIST 10.0.0.3 10.0.0.4
        "c0 10 08 0002fde900000064" +              // EXTENDED_COMMUNITIES RT:65001:100
        "c0 20 0c 0000fde9 00000001 00000002" +    // LARGE_COMMUNITY 65001:1:2
        "c0 23 04 0000fde9" +                      // OTC 65001
        "e0 63 02 abcd" +                          // unknown optional transitive 99, Partial set
        "18 0a0100  20 c0000201  10 0a02";          // NLRI 10.1.0.0/24 192.0.2.1/32 10.2.0.0/16

    private static void BothWays(string body, UpdateMessage expected, DecodeContext d, EncodeContext e)
    {
        var wire = Hex.Message(BgpMessageType.Update, body);
        GoldenMessageTests.BothWays(wire, expected, d, e);
    }

    [Fact]
    public void Ipv4_update_with_every_attribute()
    {
        var expected = new UpdateMessage
        {
            Attributes = AllAttributes,
            Nlri = ImmutableArray.Create(Hex.N("10.1.0.0/24"), Hex.N("192.0.2.1/32"), Hex.N("10.2.0.0/16")),
        };
        BothWays(AllAttributesUpdateBody, expected, Ibgp, Four);
    }

    [Fact]
    public void Decoded_community_lists_are_sorted_and_unique_and_the_cluster_list_keeps_its_order()
    {
        const string body = "0000 0039"
            + "400101 00" + "400206 0201 0000fde9" + "400304 c0000201"
            + "c00810 00000003 00000001 00000002 00000001" // COMMUNITIES 3, 1, 2, 1
            + "800904 0a000001" + "800a08 00000002 00000001" // CLUSTER_LIST 2, 1 (path order)
            + "18 0a0100";
        var r = new DecodedUpdate();
        UpdateDecoder.Decode(Hex.Bytes(body), Ibgp, r);
        Assert.Equal(ErrorAction.None, r.Action);
        var a = Assert.Single(r.Groups).Attributes!;
        Assert.Equal(new[] { 1u, 2u, 3u }, a.Communities.ToArray());
        Assert.Equal(new[] { 2u, 1u }, a.ClusterList.ToArray());
        Assert.Equal(a, a with { Communities = [2, 3, 1] });
    }

    [Fact]
    public void Ipv4_update_through_the_update_decoder()
    {
        var r = new DecodedUpdate();
        UpdateDecoder.Decode(Hex.Bytes(AllAttributesUpdateBody), Ibgp, r);
        Assert.Equal(ErrorAction.None, r.Action);
        var g = Assert.Single(r.Groups);
        Assert.Equal(AddressFamily.Ipv4Unicast, g.Family);
        Assert.Equal(AllAttributes, g.Attributes);
        Assert.Equal(new[] { Hex.N("10.1.0.0/24"), Hex.N("192.0.2.1/32"), Hex.N("10.2.0.0/16") }, g.Announced);
        Assert.Empty(g.Withdrawn);
        Assert.False(r.IsEndOfRib);
    }

    [Fact]
    public void Local_pref_from_an_external_peer_is_discarded()
    {
        var r = new DecodedUpdate();
        UpdateDecoder.Decode(Hex.Bytes(AllAttributesUpdateBody), Ibgp with { IsInternal = false }, r);
        Assert.Equal(ErrorAction.None, r.Action);
        Assert.Equal(AllAttributes with { LocalPref = null }, r.Groups[0].Attributes);
    }

    [Fact]
    public void Ipv6_mp_reach_with_global_and_link_local_next_hop()
    {
        string body =
            "0000 0039" +
            "90 0e 002e" +                                          // MP_REACH_NLRI, extended length 46
            "0002 01 20" +                                          // AFI 2, SAFI 1, next hop length 32
            "20010db8000000000000000000000001" +                    // 2001:db8::1
            "fe800000000000000000000000000001" +                    // fe80::1
            "00" +                                                  // reserved
            "40 20010db800000001" +                                 // 2001:db8:0:1::/64
            "40 01 01 00" +                                         // ORIGIN IGP
            "40 02 00";                                             // AS_PATH empty (iBGP)
        var nh = NextHop.Parse("2001:db8::1", "fe80::1");
        var expected = new UpdateMessage
        {
            Attributes = new PathAttributes(),
            MpReach = new MpReach(AddressFamily.Ipv6Unicast, nh, ImmutableArray.Create(Hex.N("2001:db8:0:1::/64"))),
        };
        BothWays(body, expected, Ibgp, Four);

        var r = new DecodedUpdate();
        UpdateDecoder.Decode(Hex.Bytes(body), Ibgp, r);
        var g = Assert.Single(r.Groups);
        Assert.Equal(AddressFamily.Ipv6Unicast, g.Family);
        Assert.Equal(new PathAttributes { NextHop = nh }, g.Attributes);
        Assert.True(g.Attributes!.NextHop.HasLinkLocal);
        Assert.Equal("fe80::1", g.Attributes.NextHop.LinkLocal!.ToString());
    }

    [Fact]
    public void Ipv6_mp_unreach()
    {
        string body = "0000 000e 90 0f 000a 0002 01 30 20010db80001"; // withdraw 2001:db8:1::/48
        BothWays(body, new UpdateMessage { MpUnreach = new MpUnreach(AddressFamily.Ipv6Unicast, ImmutableArray.Create(Hex.N("2001:db8:1::/48"))) }, Ibgp, Four);
        var r = new DecodedUpdate();
        UpdateDecoder.Decode(Hex.Bytes(body), Ibgp, r);
        Assert.Equal(new[] { Hex.N("2001:db8:1::/48") }, Assert.Single(r.Groups).Withdrawn);
        Assert.False(r.IsEndOfRib);
    }

    [Fact]
    public void Ipv4_withdrawn_routes()
    {
        string body = "0008 18 0a0100 18 0a0200 0000";
        BothWays(body, new UpdateMessage { Withdrawn = ImmutableArray.Create(Hex.N("10.1.0.0/24"), Hex.N("10.2.0.0/24")) }, Ibgp, Four);
    }

    [Fact]
    public void End_of_rib_ipv4_is_an_empty_update()
    {
        BothWays("0000 0000", UpdateMessage.EndOfRib(AddressFamily.Ipv4Unicast), Ibgp, Four);
        var r = new DecodedUpdate();
        UpdateDecoder.Decode(Hex.Bytes("00000000"), Ibgp, r);
        Assert.True(r.IsEndOfRib);
        Assert.Equal(AddressFamily.Ipv4Unicast, r.EndOfRibFamily);
        Assert.True(UpdateMessage.EndOfRib(AddressFamily.Ipv4Unicast).IsEndOfRib(out var f));
        Assert.Equal(AddressFamily.Ipv4Unicast, f);
    }

    [Fact]
    public void End_of_rib_ipv6_is_an_empty_mp_unreach()
    {
        string body = "0000 0007 90 0f 0003 0002 01";
        BothWays(body, UpdateMessage.EndOfRib(AddressFamily.Ipv6Unicast), Ibgp, Four);
        var r = new DecodedUpdate();
        UpdateDecoder.Decode(Hex.Bytes(body), Ibgp, r);
        Assert.True(r.IsEndOfRib);
        Assert.Equal(AddressFamily.Ipv6Unicast, r.EndOfRibFamily);
        // FRR writes it without Extended Length (captured); same meaning.
        UpdateDecoder.Decode(Hex.Bytes("0000 0006 80 0f 03 0002 01"), Ibgp, r);
        Assert.True(r.IsEndOfRib);
    }

    [Fact]
    public void Add_path_ids_in_the_body()
    {
        string body = "0000 000e 40 01 01 02 40 02 00 40 03 04 0a000001" +
                      "00000001 18 0a0100 00000002 18 0a0100"; // RFC 7911 §3: path id before each prefix
        var d = Ibgp with { AddPathReceive = ImmutableArray.Create(AddressFamily.Ipv4Unicast) };
        var e = Four with { AddPathSend = ImmutableArray.Create(AddressFamily.Ipv4Unicast) };
        var expected = new UpdateMessage
        {
            Attributes = new PathAttributes { Origin = Origin.Incomplete, NextHop = NextHop.FromV4(Hex.V4("10.0.0.1")) },
            Nlri = ImmutableArray.Create(Hex.N("10.1.0.0/24", 1), Hex.N("10.1.0.0/24", 2)),
        };
        BothWays(body, expected, d, e);
    }

    [Fact]
    public void Two_octet_peer_gets_AS_TRANS_with_AS4_PATH_and_AS4_AGGREGATOR()
    {
        string body = "0000 0035" +
            "40 01 01 00" +
            "40 02 06 02 02 fde9 5ba0" +                 // AS_PATH 65001 AS_TRANS (2-octet)
            "40 03 04 0a000001" +
            "c0 07 06 5ba0 0a000001" +                   // AGGREGATOR AS_TRANS 10.0.0.1
            "c0 11 0a 02 02 0000fde9 fa56ea01" +         // AS4_PATH 65001 4200000001
            "c0 12 08 fa56ea01 0a000001" +               // AS4_AGGREGATOR 4200000001 10.0.0.1
            "18 0a0100";
        var expected = new UpdateMessage
        {
            Attributes = new PathAttributes
            {
                AsPath = AsPath.FromSequence(65001, 4200000001),
                NextHop = NextHop.FromV4(Hex.V4("10.0.0.1")),
                Aggregator = new Aggregator(4200000001, Hex.V4("10.0.0.1")),
            },
            Nlri = ImmutableArray.Create(Hex.N("10.1.0.0/24")),
        };
        BothWays(body, expected, default, default);
    }

    [Fact]
    public void Ipv4_over_ipv6_next_hop_RFC_8950()
    {
        string body = "0000 0024" +
            "90 0e 0019 0001 01 10 20010db8000000000000000000000001 00 18 0a0100" +
            "40 01 01 00 40 02 00";
        var d = Ibgp with { ExtendedNextHop = ImmutableArray.Create(AddressFamily.Ipv4Unicast) };
        var expected = new UpdateMessage
        {
            Attributes = new PathAttributes(),
            MpReach = new MpReach(AddressFamily.Ipv4Unicast, NextHop.Parse("2001:db8::1"), ImmutableArray.Create(Hex.N("10.1.0.0/24"))),
        };
        BothWays(body, expected, d, Four);
        // Without the negotiated capability a 16-octet next hop for IPv4 is malformed (session reset).
        var r = new DecodedUpdate();
        UpdateDecoder.Decode(Hex.Bytes(body), Ibgp, r);
        Assert.True(r.IsSessionReset);
        Assert.Equal((byte)UpdateMessageSubcode.OptionalAttributeError, r.Notification!.Subcode);
    }

    [Fact]
    public void As_set_and_confederation_segments()
    {
        string body = "0000 0024" +
            "40 01 01 00" +
            "40 02 16 03 01 0000fdf2 02 01 0000fde9 01 02 0000fdea 0000fdeb" + // (65010) 65001 {65002,65003}
            "40 03 04 0a000001" +
            "18 0a0100";
        var path = new AsPath(ImmutableArray.Create(
            new AsPathSegment(AsPathSegmentType.AsConfedSequence, 65010),
            new AsPathSegment(AsPathSegmentType.AsSequence, 65001),
            new AsPathSegment(AsPathSegmentType.AsSet, 65002, 65003)));
        var expected = new UpdateMessage
        {
            Attributes = new PathAttributes { AsPath = path, NextHop = NextHop.FromV4(Hex.V4("10.0.0.1")) },
            Nlri = ImmutableArray.Create(Hex.N("10.1.0.0/24")),
        };
        BothWays(body, expected, new DecodeContext { FourOctetAs = true, IsConfederationPeer = true }, Four);
        Assert.Equal(2, path.Length);
        Assert.Equal(65001u, path.FirstAs);
        Assert.Equal("(65010) 65001 {65002,65003}", path.ToString());
        // From a plain external peer, confederation segments make the path malformed (RFC 7606 §7.2).
        var r = new DecodedUpdate();
        UpdateDecoder.Decode(Hex.Bytes(body), new DecodeContext { FourOctetAs = true }, r);
        Assert.Equal(ErrorAction.TreatAsWithdraw, r.Action);
        Assert.Equal(new[] { Hex.N("10.1.0.0/24") }, r.Groups[0].Withdrawn);
    }

    [Fact]
    public void Ipv4_in_body_and_in_mp_reach_get_one_group_per_next_hop()
    {
        string body = "0000 001f" +
            "90 0e 000d 0001 01 04 0a000002 00 18 0a0200" +  // MP_REACH ipv4: 10.2.0.0/24 via 10.0.0.2
            "40 01 01 00 40 02 00 40 03 04 0a000001" +        // NEXT_HOP 10.0.0.1 for the body
            "18 0a0100";                                      // body: 10.1.0.0/24
        var r = new DecodedUpdate();
        UpdateDecoder.Decode(Hex.Bytes(body), Ibgp, r);
        Assert.Equal(ErrorAction.None, r.Action);
        Assert.Equal(2, r.Groups.Count);
        Assert.Equal(new[] { Hex.N("10.1.0.0/24") }, r.Groups[0].Announced);
        Assert.Equal(NextHop.Parse("10.0.0.1"), r.Groups[0].Attributes!.NextHop);
        Assert.Equal(new[] { Hex.N("10.2.0.0/24") }, r.Groups[1].Announced);
        Assert.Equal(NextHop.Parse("10.0.0.2"), r.Groups[1].Attributes!.NextHop);
        var expected = new UpdateMessage
        {
            Attributes = new PathAttributes { NextHop = NextHop.Parse("10.0.0.1") },
            Nlri = ImmutableArray.Create(Hex.N("10.1.0.0/24")),
            MpReach = new MpReach(AddressFamily.Ipv4Unicast, NextHop.Parse("10.0.0.2"), ImmutableArray.Create(Hex.N("10.2.0.0/24"))),
        };
        BothWays(body, expected, Ibgp, Four);
    }

    [Fact]
    public void Partial_bit_of_known_optional_transitive_attributes_is_kept()
    {
        string body = "0000 0015" +
            "40 01 01 00 40 02 00 40 03 04 0a000001" +
            "e0 08 04 fde90064";                        // COMMUNITIES with Partial (RFC 4271 §5)
        var expected = new UpdateMessage
        {
            Attributes = new PathAttributes
            {
                NextHop = NextHop.Parse("10.0.0.1"),
                Communities = ImmutableArray.Create(0xfde90064u),
                PartialMask = 1UL << (int)AttributeCode.Communities,
            },
        };
        BothWays(body, expected, Ibgp, Four);
    }
}
