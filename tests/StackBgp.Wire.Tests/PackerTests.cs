using System.Buffers;
using System.Collections.Immutable;
using Xunit;

namespace StackBgp.Wire.Tests;

public class PackerTests
{
    private static readonly PathAttributes V4Attrs = new()
    {
        AsPath = AsPath.FromSequence(65001),
        NextHop = NextHop.Parse("10.0.0.1"),
        Communities = ImmutableArray.Create(Community.Create(65001, 1)),
    };

    private static Nlri[] V4Prefixes(int n) =>
        Enumerable.Range(0, n).Select(i => new Nlri(Prefix.FromV4(0x0A000000u | ((uint)i << 8), 24), 0)).ToArray();

    private static Nlri[] V6Prefixes(int n) =>
        Enumerable.Range(0, n).Select(i => new Nlri(Prefix.FromV6(0x20010db800000000UL | (uint)i, 0, 64), 0)).ToArray();

    /// <summary>Splits the written stream into messages and decodes each with the value model.</summary>
    private static List<UpdateMessage> Messages(ReadOnlySpan<byte> stream, DecodeContext ctx)
    {
        var list = new List<UpdateMessage>();
        while (!stream.IsEmpty)
        {
            Assert.True(BgpFraming.TryReadMessage(stream, ctx.MaxMessageLength, out _, out int n, out var he));
            Assert.Null(he);
            Assert.True(n <= ctx.MaxMessageLength);
            Assert.True(MessageCodec.TryDecodeMessage(stream[..n], ctx, out var m, out var e), e?.ToString());
            Assert.Null(e);
            list.Add((UpdateMessage)m!);
            stream = stream[n..];
        }
        return list;
    }

    [Fact]
    public void Ipv4_announcements_fill_4096_octet_messages()
    {
        var w = new ArrayBufferWriter<byte>();
        var prefixes = V4Prefixes(3000);
        var ctx = new EncodeContext { FourOctetAs = true };
        int count = UpdatePacker.WriteAnnouncements(w, AddressFamily.Ipv4Unicast, V4Attrs, prefixes, ctx);
        var msgs = Messages(w.WrittenSpan, new DecodeContext { FourOctetAs = true });
        Assert.Equal(count, msgs.Count);
        Assert.Equal(prefixes, msgs.SelectMany(m => m.Nlri));
        Assert.All(msgs, m => Assert.Equal(V4Attrs, m.Attributes));
        // 4 octets per /24; every message but the last is full
        int attrLen = AttributeEncoder.Size(V4Attrs, ctx, includeNextHop: true);
        int perMessage = (4096 - 19 - 4 - attrLen) / 4;
        Assert.Equal((3000 + perMessage - 1) / perMessage, count);
        Assert.All(msgs.SkipLast(1), m => Assert.Equal(perMessage, m.Nlri.Length));
    }

    [Fact]
    public void Extended_messages_need_fewer_updates()
    {
        var w = new ArrayBufferWriter<byte>();
        int count = UpdatePacker.WriteAnnouncements(w, AddressFamily.Ipv4Unicast, V4Attrs, V4Prefixes(3000),
            new EncodeContext { FourOctetAs = true, MaxMessageLength = 65535 });
        Assert.Equal(1, count);
        Assert.Single(Messages(w.WrittenSpan, new DecodeContext { FourOctetAs = true, MaxMessageLength = 65535 }));
    }

    [Fact]
    public void Ipv6_announcements_go_in_mp_reach_with_path_ids_when_negotiated()
    {
        var w = new ArrayBufferWriter<byte>();
        var attrs = V4Attrs with { NextHop = NextHop.Parse("2001:db8::1", "fe80::1") };
        var prefixes = V6Prefixes(1000).Select((n, i) => n with { PathId = (uint)i + 1 }).ToArray();
        var fam = ImmutableArray.Create(AddressFamily.Ipv6Unicast);
        int count = UpdatePacker.WriteAnnouncements(w, AddressFamily.Ipv6Unicast, attrs, prefixes, new EncodeContext { FourOctetAs = true, AddPathSend = fam });
        var msgs = Messages(w.WrittenSpan, new DecodeContext { FourOctetAs = true, AddPathReceive = fam });
        Assert.True(count > 1);
        Assert.Equal(prefixes, msgs.SelectMany(m => m.MpReach!.Nlri));
        Assert.All(msgs, m => Assert.Equal(attrs.NextHop, m.MpReach!.NextHop));
        Assert.All(msgs, m => Assert.Equal(attrs with { NextHop = NextHop.None }, m.Attributes));
        Assert.All(msgs, m => Assert.True(m.Nlri.IsEmpty));
    }

    [Fact]
    public void Ipv4_via_mp_reach_when_configured_or_with_an_ipv6_next_hop()
    {
        var w = new ArrayBufferWriter<byte>();
        var attrs = V4Attrs with { NextHop = NextHop.Parse("2001:db8::1") };
        UpdatePacker.WriteAnnouncements(w, AddressFamily.Ipv4Unicast, attrs, V4Prefixes(10), new EncodeContext { FourOctetAs = true });
        var m = Assert.Single(Messages(w.WrittenSpan, new DecodeContext { FourOctetAs = true, ExtendedNextHop = ImmutableArray.Create(AddressFamily.Ipv4Unicast) }));
        Assert.Equal(AddressFamily.Ipv4Unicast, m.MpReach!.Family);
        Assert.Equal(10, m.MpReach.Nlri.Length);

        w.Clear();
        UpdatePacker.WriteAnnouncements(w, AddressFamily.Ipv4Unicast, V4Attrs, V4Prefixes(10), new EncodeContext { FourOctetAs = true, Ipv4ViaMpReach = true });
        m = Assert.Single(Messages(w.WrittenSpan, new DecodeContext { FourOctetAs = true }));
        Assert.Equal(NextHop.Parse("10.0.0.1"), m.MpReach!.NextHop);
        Assert.True(m.Nlri.IsEmpty);
    }

    [Fact]
    public void Withdrawals_pack_in_the_body_and_in_mp_unreach()
    {
        var w = new ArrayBufferWriter<byte>();
        var v4 = V4Prefixes(2000);
        int c4 = UpdatePacker.WriteWithdrawals(w, AddressFamily.Ipv4Unicast, v4, default);
        var msgs = Messages(w.WrittenSpan, default);
        Assert.Equal(c4, msgs.Count);
        Assert.Equal(v4, msgs.SelectMany(m => m.Withdrawn));
        Assert.Equal((int)Math.Ceiling(2000 * 4 / (4096.0 - 23)), c4);

        w.Clear();
        var v6 = V6Prefixes(2000);
        UpdatePacker.WriteWithdrawals(w, AddressFamily.Ipv6Unicast, v6, default);
        Assert.Equal(v6, Messages(w.WrittenSpan, default).SelectMany(m => m.MpUnreach!.Nlri));
    }

    [Fact]
    public void End_of_rib_markers_are_recognised()
    {
        var w = new ArrayBufferWriter<byte>();
        UpdatePacker.WriteEndOfRib(w, AddressFamily.Ipv4Unicast);
        UpdatePacker.WriteEndOfRib(w, AddressFamily.Ipv6Unicast);
        var msgs = Messages(w.WrittenSpan, default);
        Assert.True(msgs[0].IsEndOfRib(out var f0));
        Assert.Equal(AddressFamily.Ipv4Unicast, f0);
        Assert.True(msgs[1].IsEndOfRib(out var f1));
        Assert.Equal(AddressFamily.Ipv6Unicast, f1);
    }

    [Fact]
    public void Two_octet_peers_get_as4_path_in_every_message()
    {
        var w = new ArrayBufferWriter<byte>();
        var attrs = V4Attrs with { AsPath = AsPath.FromSequence(4200000001, 65001) };
        UpdatePacker.WriteAnnouncements(w, AddressFamily.Ipv4Unicast, attrs, V4Prefixes(2000), default);
        var msgs = Messages(w.WrittenSpan, default);
        Assert.True(msgs.Count > 1);
        Assert.All(msgs, m => Assert.Equal(attrs, m.Attributes));
    }

    [Fact]
    public void Attributes_that_leave_no_room_are_refused()
    {
        var huge = V4Attrs with { LargeCommunities = Enumerable.Range(0, 400).Select(i => new LargeCommunity(1, 2, (uint)i)).ToImmutableArray() };
        Assert.Throws<ArgumentException>(() => UpdatePacker.WriteAnnouncements(new ArrayBufferWriter<byte>(), AddressFamily.Ipv4Unicast, huge, V4Prefixes(1), default));
    }
}
