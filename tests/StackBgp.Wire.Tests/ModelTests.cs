using System.Collections.Immutable;
using Xunit;

namespace StackBgp.Wire.Tests;

public class ModelTests
{
    [Fact]
    public void Path_attributes_are_structurally_equal_and_hash_alike()
    {
        var a = new PathAttributes { AsPath = AsPath.FromSequence(1, 2), Communities = ImmutableArray.Create(3u, 1u, 2u, 1u), Med = 5 };
        var b = new PathAttributes { AsPath = AsPath.FromSequence(1, 2), Communities = ImmutableArray.Create(1u, 2u, 3u), Med = 5 };
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(new[] { 1u, 2u, 3u }, a.Communities); // sorted, duplicates removed
        Assert.NotEqual(a, b with { Med = 6 });
        Assert.NotEqual(a, b with { ClusterList = ImmutableArray.Create(1u) });
        Assert.NotEqual(a, b with { NextHop = NextHop.FromV4(1) });
    }

    [Fact]
    public void Next_hop_origin_and_flags_kept_in_packed_fields_read_back_exactly_and_survive_with()
    {
        // The set stores its next hop as words and bits (96 bytes instead of 104): every kind, every
        // origin, ATOMIC_AGGREGATE and the presence of MED/LOCAL_PREF must come back as given.
        NextHop[] hops = [NextHop.None, NextHop.FromV4(0xC0000201), NextHop.FromV6(0x20010db800000000UL, 1),
            NextHop.FromV6(0x20010db800000000UL, 2, 0xfe80000000000000UL, 0x0211_22ff_fe33_4455UL)];
        foreach (var hop in hops)
            foreach (var origin in new[] { Origin.Igp, Origin.Egp, Origin.Incomplete })
                foreach (bool atomic in new[] { false, true })
                {
                    var a = new PathAttributes { NextHop = hop, Origin = origin, AtomicAggregate = atomic, Med = 7 };
                    Assert.Equal(hop, a.NextHop);
                    Assert.Equal(hop.HasLinkLocal, a.NextHop.HasLinkLocal);
                    Assert.Equal((origin, atomic, 7u, (uint?)null), (a.Origin, a.AtomicAggregate, a.Med!.Value, a.LocalPref));
                    var b = a with { LocalPref = 100, Med = null };
                    Assert.Equal((hop, origin, atomic, (uint?)null, 100u), (b.NextHop, b.Origin, b.AtomicAggregate, b.Med, b.LocalPref!.Value));
                    Assert.Equal(a, b with { LocalPref = null, Med = 7 });
                }
    }

    [Fact]
    public void With_does_not_copy_the_cached_hash()
    {
        var a = new PathAttributes { LocalPref = 100 };
        int h = a.GetHashCode();
        var b = a with { LocalPref = 200 };
        Assert.NotEqual(h, b.GetHashCode());
        Assert.Equal(new PathAttributes { LocalPref = 200 }.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Community_helpers()
    {
        var a = new PathAttributes().AddCommunities([Community.NoExport, Community.Create(65001, 1)]);
        Assert.True(a.HasCommunity(Community.NoExport));
        Assert.Same(a, a.AddCommunities([Community.NoExport]));
        var b = a.RemoveCommunities(c => c == Community.NoExport);
        Assert.Equal(new[] { Community.Create(65001, 1) }, b.Communities);
        Assert.Equal("no-export", Community.Format(Community.NoExport));
        Assert.True(Community.TryParse("65001:100", out uint c1));
        Assert.Equal("65001:100", Community.Format(c1));
        Assert.True(LargeCommunity.TryParse("4200000000:1:2", out var lc));
        Assert.Equal("4200000000:1:2", lc.ToString());
        Assert.Equal("RT:65001:100", ExtendedCommunity.Format(ExtendedCommunity.RouteTarget(65001, 100)));
    }

    [Fact]
    public void As_path_length_first_origin_count_prepend()
    {
        var p = new AsPath(ImmutableArray.Create(
            new AsPathSegment(AsPathSegmentType.AsConfedSequence, 64512, 64513),
            new AsPathSegment(AsPathSegmentType.AsSequence, 65001, 65002, 65001),
            new AsPathSegment(AsPathSegmentType.AsSet, 65003, 65004),
            new AsPathSegment(AsPathSegmentType.AsSequence, 65005)));
        Assert.Equal(5, p.Length); // 3 + set(1) + 1, confed ignored (RFC 5065 §5.3)
        Assert.Equal(65001u, p.FirstAs);
        Assert.Equal(64512u, p.LeftmostAs);
        Assert.Equal(65005u, p.OriginAs);
        Assert.Equal(2, p.Count(65001));
        Assert.True(p.Contains(65004));
        Assert.False(p.Contains(1));
        Assert.Equal("(64512 64513) 65001 65002 65001 {65003,65004} 65005", p.ToString());
        Assert.Equal("65001 65002 65001 {65003,65004} 65005", p.WithoutConfedSegments().ToString());
        Assert.Equal("65000 65000 65001", AsPath.FromSequence(65001).Prepend(65000, 2).ToString());
        Assert.Equal("(1 64512 64513) 65001 65002 65001 {65003,65004} 65005", p.PrependConfed(1).ToString());
        Assert.Equal(0u, new AsPath(ImmutableArray.Create(new AsPathSegment(AsPathSegmentType.AsSet, 1, 2))).OriginAs);
    }

    [Theory]
    [InlineData("", 1, "65000")]
    [InlineData("{65003,65004}", 2, "65000 65000 {65003,65004}")]
    [InlineData("(64512) 65001", 1, "65000 (64512) 65001")]
    [InlineData("65001 65002 {65003}", 3, "65000 65000 65000 65001 65002 {65003}")]
    public void Prepend_into_the_leading_sequence_or_a_new_one(string path, int times, string expected)
    {
        var p = AsPathParse(path).Prepend(65000, times);
        Assert.Equal(expected, p.ToString());
        Assert.Equal(AsPathParse(expected), p);
        Assert.Equal(AsPathParse(expected).GetHashCode(), p.GetHashCode());
    }

    [Fact]
    public void Prepend_fills_a_leading_sequence_up_to_255_then_adds_a_segment()
    {
        var full = AsPath.FromSequence([.. Enumerable.Range(1, 254).Select(i => (uint)i)]);
        var p = full.Prepend(7);
        Assert.Single(p.Segments);
        Assert.Equal(255, p.Length);
        var q = p.Prepend(8);
        Assert.Equal(2, q.Segments.Length);
        Assert.Equal(256, q.Length);
        Assert.Equal(8u, q.FirstAs);
    }

    private static AsPath AsPathParse(string text)
    {
        var segments = ImmutableArray.CreateBuilder<AsPathSegment>();
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"\{([^}]*)\}|\(([^)]*)\)|([0-9][0-9 ]*)"))
        {
            var (type, body) = m.Groups[1].Success ? (AsPathSegmentType.AsSet, m.Groups[1].Value)
                : m.Groups[2].Success ? (AsPathSegmentType.AsConfedSequence, m.Groups[2].Value)
                : (AsPathSegmentType.AsSequence, m.Groups[3].Value);
            var asns = body.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).Select(uint.Parse).ToArray();
            if (asns.Length > 0) segments.Add(new AsPathSegment(type, asns));
        }
        return segments.Count == 0 ? AsPath.Empty : new AsPath(segments.ToImmutable());
    }

    [Fact]
    public void Prepend_splits_at_255_asns_per_segment()
    {
        var p = AsPath.FromSequence(1).Prepend(2, 300);
        Assert.Equal(301, p.Length);
        Assert.Equal(2, p.Segments.Length);
        Assert.Equal(255, p.Segments[0].Asns.Length);
        var bytes = new byte[AsPathCodec.Size(p, true)];
        AsPathCodec.Write(bytes, p, true);
        Assert.True(AsPathCodec.TryRead(bytes, true, out var back));
        Assert.Equal(p, back);
    }

    [Theory]
    // RFC 6793 §4.2.3 reconstruction: AS_PATH from a 2-octet speaker, AS4_PATH, expected result
    [InlineData("65001 23456 23456", "4200000001 4200000002", "65001 4200000001 4200000002")]
    [InlineData("65001 65002", "4200000001 4200000002 4200000003", "65001 65002")]                      // AS4_PATH longer: ignored
    [InlineData("65001 23456", "4200000001", "65001 4200000001")]
    [InlineData("23456", "4200000001", "4200000001")]
    public void As4_path_merge(string asPath, string as4Path, string expected)
    {
        static AsPath Seq(string s) => AsPath.FromSequence(s.Split(' ').Select(uint.Parse).ToArray());
        Assert.Equal(expected, AsPathCodec.Merge(Seq(asPath), Seq(as4Path)).ToString());
    }

    [Fact]
    public void As4_merge_keeps_leading_confed_segments_and_counts_sets_as_one()
    {
        var asPath = new AsPath(ImmutableArray.Create(
            new AsPathSegment(AsPathSegmentType.AsConfedSequence, 64512),
            new AsPathSegment(AsPathSegmentType.AsSequence, 65001, 23456),
            new AsPathSegment(AsPathSegmentType.AsSet, 23456, 65003)));
        var as4 = new AsPath(ImmutableArray.Create(
            new AsPathSegment(AsPathSegmentType.AsSequence, 4200000001),
            new AsPathSegment(AsPathSegmentType.AsSet, 4200000002, 65003)));
        Assert.Equal("(64512) 65001 4200000001 {4200000002,65003}", AsPathCodec.Merge(asPath, as4).ToString());
    }

    [Fact]
    public void Next_hop_forms()
    {
        var v4 = NextHop.Parse("192.0.2.1");
        Assert.True(v4.IsIpv4);
        Assert.Equal(4, v4.WireLength);
        Assert.Equal("192.0.2.1", v4.ToString());
        var v6 = NextHop.Parse("2001:db8::1", "fe80::1");
        Assert.Equal(32, v6.WireLength);
        Assert.Equal("2001:db8::1 (fe80::1)", v6.ToString());
        Assert.Equal(NextHop.Parse("2001:db8::1"), v6.WithoutLinkLocal());
        Assert.NotEqual(v6, v6.WithoutLinkLocal());
        Span<byte> b = stackalloc byte[32];
        Assert.Equal(32, v6.Write(b));
        Assert.True(NextHop.TryRead(b, out var back));
        Assert.Equal(v6, back);
        Assert.False(NextHop.TryRead(b[..5], out _));
    }

    [Fact]
    public void Asn_helpers()
    {
        Assert.Equal(23456u, Asn.AsTrans);
        Assert.Equal((ushort)23456, Asn.ToTwoOctet(4200000000));
        Assert.Equal((ushort)65001, Asn.ToTwoOctet(65001));
        Assert.True(Asn.TryParse("1.10", out uint asdot));
        Assert.Equal(65546u, asdot);
        Assert.True(Asn.IsPrivate(64512));
        Assert.False(Asn.IsPrivate(65535));
    }
}
