using System.Collections.Immutable;
using Xunit;

namespace StackBgp.Wire.Tests;

/// <summary>RFC 7606 revised error handling: the action per attribute problem, and the strongest wins.</summary>
public class Rfc7606Tests
{
    private const string Origin = "40 01 01 00";
    private const string AsPath = "40 02 06 02 01 0000fde9";
    private const string NextHopAttr = "40 03 04 0a000001";
    private const string Nlri = "18 0a0100";

    private static readonly DecodeContext Ibgp = new() { FourOctetAs = true, IsInternal = true };

    /// <summary>An UPDATE body with the given attributes (lengths computed here) and NLRI 10.1.0.0/24.</summary>
    internal static byte[] Body(string nlri, params string[] attributes)
    {
        byte[] attrs = Hex.Bytes(string.Concat(attributes));
        byte[] n = Hex.Bytes(nlri);
        var b = new byte[4 + attrs.Length + n.Length];
        b[2] = (byte)(attrs.Length >> 8);
        b[3] = (byte)attrs.Length;
        attrs.CopyTo(b, 4);
        n.CopyTo(b, 4 + attrs.Length);
        return b;
    }

    private static DecodedUpdate Decode(byte[] body, DecodeContext? ctx = null)
    {
        var r = new DecodedUpdate();
        UpdateDecoder.Decode(body, ctx ?? Ibgp, r);
        // The value-model decoder must agree on the action.
        var m = UpdateMessageCodec.Decode(body, ctx ?? Ibgp, out var errors);
        Assert.Equal(r.Action, errors.Action);
        Assert.Equal(r.Action == ErrorAction.SessionReset, m is null);
        return r;
    }

    private static void AssertAction(DecodedUpdate r, ErrorAction action, UpdateMessageSubcode subcode)
    {
        Assert.Equal(action, r.Action);
        var e = r.Errors.Strongest!.Value;
        Assert.Equal(BgpErrorCode.UpdateMessage, e.Code);
        Assert.Equal((byte)subcode, e.Subcode);
        if (action == ErrorAction.TreatAsWithdraw)
        {
            var g = Assert.Single(r.Groups);
            Assert.Empty(g.Announced);
            Assert.Null(g.Attributes);
            Assert.Equal(new[] { Hex.N("10.1.0.0/24") }, g.Withdrawn);
        }
        if (action == ErrorAction.SessionReset)
        {
            Assert.Empty(r.Groups);
            Assert.Equal(new NotificationMessage(e.Code, e.Subcode, e.Data), r.Notification);
        }
    }

    [Theory]
    [InlineData("40 01 02 0000", UpdateMessageSubcode.AttributeLengthError)]               // §7.1 ORIGIN length
    [InlineData("40 01 01 03", UpdateMessageSubcode.InvalidOriginAttribute)]               // §7.1 ORIGIN value
    [InlineData("c0 01 01 00", UpdateMessageSubcode.AttributeFlagsError)]                  // §3 c flags
    public void Origin_problems_are_treat_as_withdraw(string origin, UpdateMessageSubcode sub) =>
        AssertAction(Decode(Body(Nlri, origin, AsPath, NextHopAttr)), ErrorAction.TreatAsWithdraw, sub);

    [Theory]
    [InlineData("40 02 06 05 01 0000fde9")]            // unknown segment type
    [InlineData("40 02 02 02 00")]                     // zero-length segment
    [InlineData("40 02 06 02 02 0000fde9")]            // segment runs past the attribute
    [InlineData("40 02 01 02")]                        // half a segment header
    public void Malformed_as_path_is_treat_as_withdraw(string asPath) =>
        AssertAction(Decode(Body(Nlri, Origin, asPath, NextHopAttr)), ErrorAction.TreatAsWithdraw, UpdateMessageSubcode.MalformedAsPath);

    [Fact]
    public void First_as_is_enforced_for_external_peers_when_asked()
    {
        var ctx = new DecodeContext { FourOctetAs = true, RequiredFirstAs = 65002 };
        AssertAction(Decode(Body(Nlri, Origin, AsPath, NextHopAttr), ctx), ErrorAction.TreatAsWithdraw, UpdateMessageSubcode.MalformedAsPath);
        Assert.Equal(ErrorAction.None, Decode(Body(Nlri, Origin, AsPath, NextHopAttr), ctx with { RequiredFirstAs = 65001 }).Action);
    }

    [Theory]
    [InlineData("40 03 05 0a00000100", UpdateMessageSubcode.AttributeLengthError)]
    [InlineData("40 03 04 00000000", UpdateMessageSubcode.InvalidNextHopAttribute)]
    [InlineData("40 03 04 e0000001", UpdateMessageSubcode.InvalidNextHopAttribute)]
    [InlineData("40 03 04 7f000001", UpdateMessageSubcode.InvalidNextHopAttribute)]
    [InlineData("40 03 04 ffffffff", UpdateMessageSubcode.InvalidNextHopAttribute)]
    public void Bad_next_hop_is_treat_as_withdraw(string nh, UpdateMessageSubcode sub) =>
        AssertAction(Decode(Body(Nlri, Origin, AsPath, nh)), ErrorAction.TreatAsWithdraw, sub);

    [Theory]
    [InlineData("80 04 03 000064")]                    // §7.4 MED
    [InlineData("40 05 02 0064")]                      // §7.5 LOCAL_PREF (iBGP)
    [InlineData("c0 08 03 fde900")]                    // §7.8 COMMUNITIES not a multiple of 4
    [InlineData("c0 08 00")]                           // §7.8 COMMUNITIES empty
    [InlineData("80 09 03 0a0000")]                    // §7.9 ORIGINATOR_ID
    [InlineData("80 0a 06 0a0000030a00")]              // §7.10 CLUSTER_LIST
    [InlineData("c0 10 07 0002fde9000000")]            // §7.14 EXTENDED_COMMUNITIES
    [InlineData("c0 20 0b 0000fde900000001000000")]      // RFC 8092 §5 LARGE_COMMUNITY
    [InlineData("c0 23 03 00fde9")]                    // RFC 9234 §5 OTC
    public void Length_errors_that_are_treat_as_withdraw(string attr) =>
        AssertAction(Decode(Body(Nlri, Origin, AsPath, NextHopAttr, attr)), ErrorAction.TreatAsWithdraw, UpdateMessageSubcode.AttributeLengthError);

    [Theory]
    [InlineData("80 04 04 00000064")]                  // MED: optional non-transitive, as RFC 4271 §5 says
    public void Correct_med_is_accepted(string attr) =>
        Assert.Equal(ErrorAction.None, Decode(Body(Nlri, Origin, AsPath, NextHopAttr, attr)).Action);

    [Theory]
    [InlineData("c0 04 04 00000064")]                  // MED marked transitive
    [InlineData("80 08 04 fde90064")]                  // COMMUNITIES marked non-transitive
    [InlineData("00 05 04 00000064")]                  // LOCAL_PREF without the transitive bit
    [InlineData("40 07 08 0000fde90a000001")]          // AGGREGATOR marked well-known
    public void Wrong_flags_are_treat_as_withdraw(string attr) =>
        AssertAction(Decode(Body(Nlri, Origin, AsPath, NextHopAttr, attr)), ErrorAction.TreatAsWithdraw, UpdateMessageSubcode.AttributeFlagsError);

    [Theory]
    [InlineData("40 06 01 00")]                        // §7.6 ATOMIC_AGGREGATE with a value
    [InlineData("c0 07 07 0000fde90a0000")]            // §7.7 AGGREGATOR wrong length
    public void Attribute_discard_keeps_the_route(string attr)
    {
        var r = Decode(Body(Nlri, Origin, AsPath, NextHopAttr, attr));
        Assert.Equal(ErrorAction.AttributeDiscard, r.Action);
        var g = Assert.Single(r.Groups);
        Assert.Equal(new[] { Hex.N("10.1.0.0/24") }, g.Announced);
        Assert.False(g.Attributes!.AtomicAggregate);
        Assert.Null(g.Attributes.Aggregator);
    }

    [Fact]
    public void Malformed_as4_path_and_as4_aggregator_from_a_two_octet_peer_are_discarded()
    {
        var ctx = new DecodeContext { IsInternal = true };
        var r = Decode(Body(Nlri, Origin, "40 02 04 02 01 5ba0", NextHopAttr, "c0 11 03 020100", "c0 12 06 fa56ea010a00"), ctx);
        Assert.Equal(ErrorAction.AttributeDiscard, r.Action);
        Assert.Equal(2, r.Errors.Count);
        Assert.Equal(AsPathFromSeq(Asn.AsTrans), r.Groups[0].Attributes!.AsPath);
    }

    private static AsPath AsPathFromSeq(params uint[] asns) => StackBgp.Wire.AsPath.FromSequence(asns);

    [Fact]
    public void A_repeated_attribute_keeps_the_first_copy()
    {
        var r = Decode(Body(Nlri, Origin, AsPath, NextHopAttr, "80 04 04 00000001", "80 04 04 00000002"));
        Assert.Equal(ErrorAction.AttributeDiscard, r.Action);
        Assert.Equal(1u, r.Groups[0].Attributes!.Med);
    }

    [Fact]
    public void A_repeated_mp_reach_is_a_session_reset()
    {
        string mp = "90 0e 0015 0002 01 10 20010db8000000000000000000000001 00";
        AssertAction(Decode(Body("", mp, mp, Origin, AsPath)), ErrorAction.SessionReset, UpdateMessageSubcode.MalformedAttributeList);
    }

    [Theory]
    [InlineData("d0 0e 0015 0002 01 10 20010db8000000000000000000000001 00", UpdateMessageSubcode.AttributeFlagsError)]  // transitive MP_REACH
    [InlineData("90 0e 000a 0002 01 05 2001000000 00", UpdateMessageSubcode.OptionalAttributeError)]                     // next hop length 5
    [InlineData("90 0e 0017 0002 01 10 20010db8000000000000000000000001 00 81 20", UpdateMessageSubcode.OptionalAttributeError)] // /129
    [InlineData("90 0e 0003 000201", UpdateMessageSubcode.OptionalAttributeError)]                                       // too short
    [InlineData("90 0f 0005 0002 01 4020", UpdateMessageSubcode.OptionalAttributeError)]                                 // truncated withdrawn prefix
    public void Mp_attribute_problems_are_session_resets(string mp, UpdateMessageSubcode sub) =>
        AssertAction(Decode(Body("", mp, Origin, AsPath)), ErrorAction.SessionReset, sub);

    [Fact]
    public void Mp_reach_for_an_unsupported_family_is_skipped()
    {
        // AFI 1 SAFI 128 (L3VPN): not carried; the attribute is ignored, nothing is announced.
        var r = Decode(Body("", "90 0e 0009 0001 80 04 0a000001 00", Origin, AsPath));
        Assert.Equal(ErrorAction.AttributeDiscard, r.Action);
        Assert.Empty(r.Groups);
    }

    [Fact]
    public void Unrecognized_well_known_attribute_is_a_session_reset_with_the_attribute_as_data()
    {
        var r = Decode(Body(Nlri, Origin, AsPath, NextHopAttr, "40 c8 02 abcd"));
        AssertAction(r, ErrorAction.SessionReset, UpdateMessageSubcode.UnrecognizedWellKnownAttribute);
        Assert.Equal("40c802abcd", Hex.Of(r.Notification!.Data.AsSpan()));
    }

    [Fact]
    public void Unknown_optional_attributes_non_transitive_dropped_transitive_kept_with_partial()
    {
        var r = Decode(Body(Nlri, Origin, AsPath, NextHopAttr, "80 c8 01 01", "c0 c9 01 02"));
        Assert.Equal(ErrorAction.None, r.Action);
        var u = Assert.Single(r.Groups[0].Attributes!.Unknown);
        Assert.Equal(201, u.Code);
        Assert.Equal(AttributeFlags.Optional | AttributeFlags.Transitive | AttributeFlags.Partial, u.Flags);
    }

    [Theory]
    [InlineData(AttributeCode.Origin)]
    [InlineData(AttributeCode.AsPath)]
    [InlineData(AttributeCode.NextHop)]
    public void Missing_well_known_attribute_is_treat_as_withdraw_with_its_code(AttributeCode missing)
    {
        var attrs = new[] { (AttributeCode.Origin, Origin), (AttributeCode.AsPath, AsPath), (AttributeCode.NextHop, NextHopAttr) }
            .Where(a => a.Item1 != missing).Select(a => a.Item2).ToArray();
        var r = Decode(Body(Nlri, attrs));
        AssertAction(r, ErrorAction.TreatAsWithdraw, UpdateMessageSubcode.MissingWellKnownAttribute);
        Assert.Equal(new[] { (byte)missing }, r.Errors.Strongest!.Value.Data.ToArray());
    }

    [Fact]
    public void Mp_only_update_needs_no_next_hop_attribute()
    {
        var r = Decode(Body("", "90 0e 0015 0002 01 10 20010db8000000000000000000000001 00", Origin, AsPath));
        Assert.Equal(ErrorAction.None, r.Action);
        Assert.Empty(r.Groups[0].Announced); // no NLRI in it, but a valid UPDATE
    }

    [Fact]
    public void An_attribute_running_past_the_block_is_treat_as_withdraw()
    {
        // NEXT_HOP claims 5 octets but the block ends after 4 (RFC 7606 §4).
        var body = Body(Nlri, Origin, AsPath, "40 03 05 0a000001");
        // Body() put the NLRI after the block; the NLRI is still located by the total length.
        AssertAction(Decode(body), ErrorAction.TreatAsWithdraw, UpdateMessageSubcode.MalformedAttributeList);
    }

    [Fact]
    public void A_truncated_block_without_locatable_nlri_is_a_session_reset()
    {
        AssertAction(Decode(Body("", Origin, AsPath, "40 03 05 0a000001")), ErrorAction.SessionReset, UpdateMessageSubcode.MalformedAttributeList);
    }

    [Theory]
    [InlineData("0009 180a0100 0000")]          // withdrawn length past the message
    [InlineData("0000 0010 40010100")]          // attribute length past the message
    [InlineData("00")]                          // shorter than 4 octets
    public void Unlocatable_fields_are_malformed_attribute_list(string body) =>
        AssertAction(Decode(Hex.Bytes(body)), ErrorAction.SessionReset, UpdateMessageSubcode.MalformedAttributeList);

    [Theory]
    [InlineData("21 0a010000 00")]              // /33
    [InlineData("18 0a01")]                     // prefix cut short
    public void Malformed_body_nlri_is_invalid_network_field(string nlri) =>
        AssertAction(Decode(Body(nlri, Origin, AsPath, NextHopAttr)), ErrorAction.SessionReset, UpdateMessageSubcode.InvalidNetworkField);

    [Fact]
    public void The_strongest_action_wins_and_all_errors_are_counted()
    {
        // discard (ATOMIC_AGGREGATE) + treat-as-withdraw (MED) + discard (repeat)
        var r = Decode(Body(Nlri, Origin, AsPath, NextHopAttr, "80 04 03 000001", "40 06 01 00", "40 06 00"));
        Assert.Equal(ErrorAction.TreatAsWithdraw, r.Action);
        Assert.Equal(3, r.Errors.Count);
        // ... and a session reset beats them all
        r = Decode(Body(Nlri, Origin, AsPath, NextHopAttr, "80 04 03 000001", "40 c8 00"));
        Assert.Equal(ErrorAction.SessionReset, r.Action);
        Assert.Equal((byte)UpdateMessageSubcode.UnrecognizedWellKnownAttribute, r.Notification!.Subcode);
    }

    [Fact]
    public void Error_record_keeps_the_first_of_equal_strength()
    {
        var rec = new ErrorRecord();
        rec.Add(WireError.Update(ErrorAction.TreatAsWithdraw, UpdateMessageSubcode.AttributeLengthError, "first"));
        rec.Add(WireError.Update(ErrorAction.AttributeDiscard, UpdateMessageSubcode.AttributeLengthError, "weaker"));
        rec.Add(WireError.Update(ErrorAction.TreatAsWithdraw, UpdateMessageSubcode.MalformedAsPath, "second"));
        Assert.Equal("first", rec.Strongest!.Value.Reason);
        Assert.Equal(3, rec.Count);
        Assert.Equal(new NotificationMessage(BgpErrorCode.UpdateMessage, 5), rec.Strongest.Value.ToNotification());
    }
}
