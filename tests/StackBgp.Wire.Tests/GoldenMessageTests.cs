using System.Collections.Immutable;
using Xunit;

namespace StackBgp.Wire.Tests;

/// <summary>
/// Golden vectors for OPEN, NOTIFICATION, KEEPALIVE and ROUTE-REFRESH. The bodies were assembled by
/// hand from the layouts in RFC 4271 §4, RFC 5492, RFC 9072, RFC 2918/7313 and each capability's RFC;
/// every vector is checked both ways (decode = expected value, encode(expected value) = bytes).
/// </summary>
public class GoldenMessageTests
{
    internal static void BothWays(byte[] wire, BgpMessage expected, DecodeContext dctx = default, EncodeContext ectx = default)
    {
        Assert.True(MessageCodec.TryDecodeMessage(wire, dctx, out var decoded, out var error), error?.ToString());
        Assert.Equal(expected, decoded);
        Assert.Equal(Hex.Of(wire), Hex.Of(MessageCodec.Encode(expected, ectx)));
    }

    [Fact]
    public void Keepalive()
    {
        BothWays(Hex.Bytes("ffffffffffffffffffffffffffffffff 0013 04"), KeepaliveMessage.Instance);
    }

    [Fact]
    public void Open_with_every_capability_in_one_parameter()
    {
        var wire = Hex.Message(BgpMessageType.Open,
            "04 fde9 00b4 0a000001 4f" +
            "02 4d" +
            "01 04 0001 00 01" +                 // multiprotocol ipv4 unicast (RFC 4760 §8)
            "01 04 0002 00 01" +                 // multiprotocol ipv6 unicast
            "02 00" +                            // route refresh (RFC 2918)
            "80 00" +                            // pre-standard route refresh
            "46 00" +                            // enhanced route refresh (RFC 7313)
            "06 00" +                            // extended message (RFC 8654)
            "41 04 0000fde9" +                   // 4-octet AS 65001 (RFC 6793)
            "45 08 0001 01 03 0002 01 01" +      // add-path v4 send+receive, v6 receive (RFC 7911)
            "05 06 0001 0001 0002" +             // extended next hop: ipv4 unicast over ipv6 (RFC 8950)
            "40 06 c078 0001 01 80" +            // graceful restart R+N, 120 s, ipv4 F bit (RFC 4724, 8538)
            "47 07 0001 01 80 000e10" +          // long-lived GR ipv4 F bit, 3600 s (RFC 9494)
            "49 07 05 6e6f646531 00" +           // hostname "node1", domain "" (FRR)
            "09 01 03" +                         // role customer (RFC 9234)
            "83 02 abcd");                       // unknown capability 131, kept raw
        var expected = new OpenMessage
        {
            MyAs = 65001,
            HoldTime = 180,
            BgpId = Hex.V4("10.0.0.1"),
            Capabilities = ImmutableArray.Create<Capability>(
                new MultiprotocolCapability(AddressFamily.Ipv4Unicast),
                new MultiprotocolCapability(AddressFamily.Ipv6Unicast),
                new RouteRefreshCapability(),
                new RouteRefreshCapability(Old: true),
                new EnhancedRouteRefreshCapability(),
                new ExtendedMessageCapability(),
                new FourOctetAsCapability(65001),
                new AddPathCapability(ImmutableArray.Create(new AddPathEntry(AddressFamily.Ipv4Unicast, AddPathMode.Both), new AddPathEntry(AddressFamily.Ipv6Unicast, AddPathMode.Receive))),
                new ExtendedNextHopCapability(ImmutableArray.Create(new ExtendedNextHopEntry(AddressFamily.Ipv4Unicast, Afi.Ipv6))),
                new GracefulRestartCapability(true, true, 120, ImmutableArray.Create(new GracefulRestartFamily(AddressFamily.Ipv4Unicast, true))),
                new LongLivedGracefulRestartCapability(ImmutableArray.Create(new LlgrFamily(AddressFamily.Ipv4Unicast, true, 3600))),
                new FqdnCapability("node1", ""),
                new RoleCapability(BgpRole.Customer),
                new UnknownCapability(131, ImmutableArray.Create<byte>(0xab, 0xcd))),
        };
        BothWays(wire, expected);
        Assert.Equal(65001u, expected.Asn);
    }

    [Fact]
    public void Open_one_capability_per_parameter_with_AS_TRANS()
    {
        // As FRR lays it out: each capability in its own optional parameter; My AS = AS_TRANS.
        var wire = Hex.Message(BgpMessageType.Open,
            "04 5ba0 005a 0a000002 10" +
            "02 06 01 04 0001 00 01" +
            "02 06 41 04 fa56ea01");
        var expected = new OpenMessage
        {
            MyAs = (ushort)Asn.AsTrans,
            HoldTime = 90,
            BgpId = Hex.V4("10.0.0.2"),
            OneCapabilityPerParameter = true,
            Capabilities = ImmutableArray.Create<Capability>(new MultiprotocolCapability(AddressFamily.Ipv4Unicast), new FourOctetAsCapability(4200000001)),
        };
        BothWays(wire, expected);
        Assert.Equal(4200000001u, expected.Asn);
        Assert.Equal(expected, OpenMessage.Create(4200000001, 90, Hex.V4("10.0.0.2"), expected.Capabilities) with { OneCapabilityPerParameter = true });
    }

    [Fact]
    public void Open_with_RFC_9072_extended_optional_parameters_length()
    {
        var wire = Hex.Message(BgpMessageType.Open,
            "04 fde9 00b4 0a000001 ff" +
            "ff 0009" +                          // non-ext type 255, extended length 9
            "02 0006 01 04 0001 00 01");         // capability parameter with a 2-octet length
        var expected = new OpenMessage
        {
            MyAs = 65001,
            HoldTime = 180,
            BgpId = Hex.V4("10.0.0.1"),
            ExtendedOptionalParameters = true,
            Capabilities = ImmutableArray.Create<Capability>(new MultiprotocolCapability(AddressFamily.Ipv4Unicast)),
        };
        BothWays(wire, expected);
    }

    [Fact]
    public void Open_errors_carry_the_RFC_4271_subcodes()
    {
        static WireError Err(string body)
        {
            Assert.False(MessageCodec.TryDecodeMessage(Hex.Message(BgpMessageType.Open, body), default, out _, out var e));
            return e!.Value;
        }
        var v = Err("03 fde9 00b4 0a000001 00");
        Assert.Equal((BgpErrorCode.OpenMessage, (byte)OpenMessageSubcode.UnsupportedVersionNumber), (v.Code, v.Subcode));
        Assert.Equal("0004", Hex.Of(v.Data.AsSpan()));
        Assert.Equal((byte)OpenMessageSubcode.UnacceptableHoldTime, Err("04 fde9 0002 0a000001 00").Subcode);
        Assert.Equal((byte)OpenMessageSubcode.BadBgpIdentifier, Err("04 fde9 00b4 00000000 00").Subcode);
        Assert.Equal((byte)OpenMessageSubcode.UnsupportedOptionalParameter, Err("04 fde9 00b4 0a000001 03 01 01 00").Subcode);
        Assert.Equal((byte)OpenMessageSubcode.Unspecific, Err("04 fde9 00b4 0a000001 05 02 06 0104").Subcode);
    }

    [Fact]
    public void Malformed_known_capability_is_kept_raw()
    {
        var wire = Hex.Message(BgpMessageType.Open, "04 fde9 00b4 0a000001 07 02 05 41 03 000001");
        Assert.True(MessageCodec.TryDecodeMessage(wire, default, out var m, out _));
        var cap = Assert.IsType<UnknownCapability>(Assert.Single(((OpenMessage)m!).Capabilities));
        Assert.Equal(CapabilityCode.FourOctetAs, cap.Code);
        Assert.Equal(Hex.Of(wire), Hex.Of(MessageCodec.Encode(m!)));
    }

    [Fact]
    public void Notification_cease_admin_shutdown_with_shutdown_communication()
    {
        var wire = Hex.Message(BgpMessageType.Notification, "06 02 0b 6d61696e74656e616e6365"); // RFC 9003 §2
        var expected = NotificationMessage.Cease(CeaseSubcode.AdministrativeShutdown, "maintenance");
        BothWays(wire, expected);
        Assert.Equal("maintenance", expected.ShutdownMessage);
        Assert.Equal("Cease/Administrative Shutdown (\"maintenance\")", expected.ToString());
    }

    [Theory]
    [InlineData("0400", BgpErrorCode.HoldTimerExpired, 0, "Hold Timer Expired/subcode 0")]
    [InlineData("060a", BgpErrorCode.Cease, 10, "Cease/BFD Down")]
    [InlineData("0604", BgpErrorCode.Cease, 4, "Cease/Administrative Reset")]
    [InlineData("030b", BgpErrorCode.UpdateMessage, 11, "UPDATE Message Error/Malformed AS_PATH")]
    [InlineData("0203", BgpErrorCode.OpenMessage, 3, "OPEN Message Error/Bad BGP Identifier")]
    [InlineData("0503", BgpErrorCode.FiniteStateMachine, 3, "Finite State Machine Error/Receive Unexpected Message in Established State")]
    public void Notifications_without_data(string body, BgpErrorCode code, byte sub, string text)
    {
        var n = new NotificationMessage(code, sub);
        BothWays(Hex.Message(BgpMessageType.Notification, body), n);
        Assert.Equal(text, n.ToString());
    }

    [Fact]
    public void Notification_with_data_that_is_not_a_shutdown_communication()
    {
        var n = new NotificationMessage(BgpErrorCode.MessageHeader, 2, ImmutableArray.Create<byte>(0x00, 0x05));
        BothWays(Hex.Message(BgpMessageType.Notification, "01 02 0005"), n);
        Assert.Null(n.ShutdownMessage);
        Assert.Equal("Message Header Error/Bad Message Length data 0005", n.ToString());
        // Cease/Admin Reset whose length octet overruns: RFC 9003 says it is not a communication.
        Assert.Null(new NotificationMessage(BgpErrorCode.Cease, 4, ImmutableArray.Create<byte>(5, 0x41)).ShutdownMessage);
    }

    [Fact]
    public void Shutdown_communication_is_cut_to_255_octets_at_a_character_boundary()
    {
        string longText = new string('é', 200); // 400 UTF-8 octets
        var data = ShutdownCommunication.Encode(longText);
        Assert.Equal(254, data[0]);
        Assert.True(ShutdownCommunication.TryDecode(data.AsSpan(), out var back));
        Assert.Equal(new string('é', 127), back);
    }

    [Theory]
    [InlineData("0001 00 01", 1, 1, RouteRefreshSubtype.Normal)]
    [InlineData("0002 01 01", 2, 1, RouteRefreshSubtype.BeginningOfRouteRefresh)]
    [InlineData("0001 02 01", 1, 1, RouteRefreshSubtype.EndOfRouteRefresh)]
    public void Route_refresh(string body, int afi, int safi, RouteRefreshSubtype sub)
    {
        BothWays(Hex.Message(BgpMessageType.RouteRefresh, body), new RouteRefreshMessage(new AddressFamily((Afi)afi, (Safi)safi), sub));
    }

    [Fact]
    public void Enhanced_route_refresh_with_a_long_body_is_an_RFC_7313_error()
    {
        Assert.False(MessageCodec.TryDecodeMessage(Hex.Message(BgpMessageType.RouteRefresh, "0001 01 01 00"), default, out _, out var e));
        Assert.Equal((BgpErrorCode.RouteRefreshMessage, (byte)RouteRefreshSubcode.InvalidMessageLength), (e!.Value.Code, e.Value.Subcode));
        Assert.Equal("ffffffffffffffffffffffffffffffff" + "0018" + "05" + "0001010100", Hex.Of(e.Value.Data.AsSpan()));
    }

    [Fact]
    public void Hard_reset_wraps_the_original_notification()
    {
        // RFC 8538 §3: Cease/Hard Reset, data = inner code, subcode, data.
        var inner = NotificationMessage.Cease(CeaseSubcode.AdministrativeReset, "x");
        var hard = NotificationMessage.HardReset(inner);
        BothWays(Hex.Message(BgpMessageType.Notification, "06 09 06 04 01 78"), hard);
        Assert.Equal(inner, hard.HardResetInner);
        Assert.Equal("Cease/Hard Reset of Cease/Administrative Reset (\"x\")", hard.ToString());
        Assert.Null(inner.HardResetInner);
    }
}
