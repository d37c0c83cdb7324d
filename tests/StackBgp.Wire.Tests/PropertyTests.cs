using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace StackBgp.Wire.Tests;

/// <summary>decode(encode(x)) == x for generated messages (FsCheck).</summary>
public class PropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(400);

    private static bool RoundTrips(BgpMessage m, DecodeContext d, EncodeContext e)
    {
        byte[] wire = MessageCodec.Encode(m, e);
        if (!MessageCodec.TryDecodeMessage(wire, d, out var back, out var err) || err is not null)
            throw new InvalidOperationException($"decode failed: {err} for {m}");
        if (!m.Equals(back)) throw new InvalidOperationException($"round trip differs:\n {m}\n {back}\n {Hex.Of(wire)}");
        return true;
    }

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(true, true, true)]
    [InlineData(false, false, false)]
    [InlineData(false, true, false)]
    public void Update_round_trips(bool fourOctet, bool addPathV4, bool addPathV6)
    {
        var fams = ImmutableArray.CreateRange(new[] { (addPathV4, AddressFamily.Ipv4Unicast), (addPathV6, AddressFamily.Ipv6Unicast) }.Where(x => x.Item1).Select(x => x.Item2));
        var d = new DecodeContext { FourOctetAs = fourOctet, IsInternal = true, MaxMessageLength = 65535, AddPathReceive = fams };
        var e = new EncodeContext { FourOctetAs = fourOctet, MaxMessageLength = 65535, AddPathSend = fams };
        Check.One(Config, Prop.ForAll(Arb.From(Generators.Update(!fourOctet, addPathV4, addPathV6)), u => RoundTrips(u, d, e)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Attributes_round_trip_through_the_update_decoder(bool fourOctet)
    {
        var d = new DecodeContext { FourOctetAs = fourOctet, IsInternal = true, MaxMessageLength = 65535 };
        var e = new EncodeContext { FourOctetAs = fourOctet, MaxMessageLength = 65535 };
        var result = new DecodedUpdate();
        Check.One(Config, Prop.ForAll(Arb.From(Generators.Attributes(!fourOctet)), attrs =>
        {
            var a = attrs.NextHop.IsIpv4 ? attrs : attrs with { NextHop = NextHop.FromV4(0x0A000001) };
            var u = new UpdateMessage { Attributes = a, Nlri = ImmutableArray.Create(Hex.N("10.0.0.0/8")) };
            byte[] wire = MessageCodec.Encode(u, e);
            UpdateDecoder.Decode(wire.AsSpan(19), d, result);
            return result.Action == ErrorAction.None && a.Equals(result.Groups[0].Attributes);
        }));
    }

    [Fact]
    public void Open_round_trips() =>
        Check.One(Config, Prop.ForAll(Arb.From(Generators.Open), o => RoundTrips(o, default, default)));

    [Fact]
    public void Notification_keepalive_route_refresh_round_trip() =>
        Check.One(Config, Prop.ForAll(Arb.From(Generators.Simple), m => RoundTrips(m, default, default)));

    [Fact]
    public void Shutdown_communication_round_trips() =>
        Check.One(Config, Prop.ForAll(Arb.From(Gen.Elements("", "maintenance", "планово", "🚧 window 02:00-04:00", new string('x', 255))), text =>
        {
            var n = NotificationMessage.Cease(CeaseSubcode.AdministrativeReset, text);
            return RoundTrips(n, default, default) && n.ShutdownMessage == text;
        }));

    [Theory]
    [InlineData(1, 4096, false)]
    [InlineData(2, 4096, true)]
    [InlineData(1, 65535, true)]
    public void Packed_updates_carry_exactly_the_given_prefixes(int afi, int max, bool addPath)
    {
        var family = afi == 1 ? AddressFamily.Ipv4Unicast : AddressFamily.Ipv6Unicast;
        var fams = addPath ? ImmutableArray.Create(family) : ImmutableArray<AddressFamily>.Empty;
        var d = new DecodeContext { FourOctetAs = true, IsInternal = true, MaxMessageLength = max, AddPathReceive = fams };
        var e = new EncodeContext { FourOctetAs = true, MaxMessageLength = max, AddPathSend = fams };
        var gen =
            from attrs in Generators.Attributes(false)
            from v6nh in Generators.UInt64
            from nlri in Gen.Choose(1, 3000).SelectMany(n => Gen.ArrayOf(
                (afi == 1 ? Generators.V4Prefix : Generators.V6Prefix).SelectMany(_ => addPath ? Generators.UInt32 : Gen.Constant(0u), (p, id) => new Nlri(p, id)), n))
            select (attrs with { NextHop = afi == 1 ? NextHop.FromV4(0x0A000001) : NextHop.FromV6(0x20010db800000000UL, v6nh), Unknown = ImmutableArray<UnknownAttribute>.Empty }, nlri);
        var decoded = new DecodedUpdate();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), Prop.ForAll(Arb.From(gen), x =>
        {
            var w = new System.Buffers.ArrayBufferWriter<byte>();
            int messages = UpdatePacker.WriteAnnouncements(w, family, x.Item1, x.nlri, e);
            var seen = new List<Nlri>();
            var stream = w.WrittenSpan;
            int count = 0;
            while (BgpFraming.TryReadMessage(stream, max, out _, out int n, out var he) && he is null)
            {
                UpdateDecoder.Decode(stream[19..n], d, decoded);
                if (decoded.Action != ErrorAction.None || !x.Item1.Equals(decoded.Groups[0].Attributes)) return false;
                seen.AddRange(decoded.Groups[0].Announced);
                stream = stream[n..];
                count++;
            }
            return stream.IsEmpty && count == messages && seen.SequenceEqual(x.nlri);
        }));
    }
}
