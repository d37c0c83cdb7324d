using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace StackBgp.Wire.Tests;

/// <summary>
/// An <see cref="AttributeView"/> (a set with export's rewrites, our AS prepended when encoding) encodes to
/// exactly the bytes of the equal <see cref="PathAttributes"/> that <see cref="AttributeView.ToAttributes"/>
/// builds with <see cref="AsPath.Prepend"/>.
/// </summary>
public class AttributeViewTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(400);

    private static byte[] Encode(in AttributeView view, bool fourOctet)
    {
        var context = new EncodeContext { FourOctetAs = fourOctet, MaxMessageLength = 65535 };
        int size = AttributeEncoder.Size(view, context, includeNextHop: true);
        var buffer = new byte[size + 16];
        int written = AttributeEncoder.Write(buffer, view, context, includeNextHop: true);
        Assert.Equal(size, written);
        return buffer[..written];
    }

    private static byte[] Encode(PathAttributes attrs, bool fourOctet)
    {
        var context = new EncodeContext { FourOctetAs = fourOctet, MaxMessageLength = 65535 };
        var buffer = new byte[AttributeEncoder.Size(attrs, context, includeNextHop: true)];
        Assert.Equal(buffer.Length, AttributeEncoder.Write(buffer, attrs, context, includeNextHop: true));
        return buffer;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_view_encodes_like_the_set_it_stands_for(bool fourOctet)
    {
        var gen =
            from source in Generators.Attributes(!fourOctet)
            from other in Generators.Attributes(!fourOctet)
            from pick in Gen.Choose(0, 255)
            from prepend in Gen.Frequency((1, Gen.Constant(0u)), (3, Generators.Asn(false)))
            select (source, other, pick, prepend);
        Check.One(Config, Prop.ForAll(Arb.From(gen), t =>
        {
            var (s, o, pick, prepend) = t;
            T Take<T>(int bit, T fromSource, T fromOther) => (pick & (1 << bit)) != 0 ? fromOther : fromSource;
            var path = Take(0, s.AsPath, o.AsPath);
            if (!AttributeView.CanPrependInPlace(path)) prepend = 0;
            var view = new AttributeView(s, path, prepend, Take(1, s.NextHop, o.NextHop), Take(2, s.Med, o.Med),
                Take(3, s.LocalPref, o.LocalPref), Take(4, s.OriginatorId, o.OriginatorId), Take(5, s.ClusterList, o.ClusterList),
                Take(6, s.Communities, o.Communities), Take(7, s.ExtendedCommunities, o.ExtendedCommunities), Take(7, s.LargeCommunities, []));
            var set = view.ToAttributes();
            Assert.Equal(prepend == 0 ? path : path.Prepend(prepend), set.AsPath);
            Assert.Equal(s.PartialMask, set.PartialMask);
            Assert.Equal(s.Unknown, set.Unknown);
            Assert.Equal(Hex.Of(Encode(set, fourOctet)), Hex.Of(Encode(view, fourOctet)));
            return true;
        }));
    }

    [Fact]
    public void The_prepend_goes_into_the_leading_sequence_or_a_segment_of_its_own()
    {
        var source = new PathAttributes { NextHop = NextHop.FromV4(0xC0000201) };
        var set = new AsPath([new AsPathSegment(AsPathSegmentType.AsSet, 65010, 65011), new AsPathSegment(AsPathSegmentType.AsSequence, 65020)]);
        foreach (var path in new[] { AsPath.Empty, AsPath.FromSequence(65001, 65002), set })
        {
            var view = new AttributeView(source, path, 4200000000, source.NextHop, null, null, null, [], [], [], []);
            var expected = new AttributeView(source with { AsPath = path.Prepend(4200000000) });
            Assert.Equal(Hex.Of(Encode(expected, true)), Hex.Of(Encode(view, true)));
            // two-octet peer: AS_TRANS in AS_PATH, the real ASN in AS4_PATH (RFC 6793 §4.2.2)
            Assert.Equal(Hex.Of(Encode(expected, false)), Hex.Of(Encode(view, false)));
        }
        Assert.Equal("4200000000 {65010,65011} 65020", new AttributeView(source, set, 4200000000, source.NextHop, null, null, null, [], [], [], []).ToAttributes().AsPath.ToString());
    }

    [Fact]
    public void A_full_leading_sequence_is_not_prepended_in_place()
    {
        var full = AsPath.FromSequence(Enumerable.Range(1, 255).Select(i => (uint)i).ToArray());
        var source = new PathAttributes { AsPath = full, NextHop = NextHop.FromV4(0xC0000201) };
        Assert.False(AttributeView.CanPrependInPlace(full));
        Assert.True(AttributeView.CanPrependInPlace(AsPath.FromSequence(Enumerable.Range(1, 254).Select(i => (uint)i).ToArray())));
        Assert.Throws<ArgumentException>(() => new AttributeView(source, full, 65000, source.NextHop, null, null, null, [], [], [], []));
    }

    [Fact]
    public void The_whole_set_unchanged_is_the_set_itself_and_the_default_view_is_none()
    {
        var source = new PathAttributes { AsPath = AsPath.FromSequence(65001), NextHop = NextHop.FromV4(0xC0000201), Med = 5, Communities = [1, 2] };
        Assert.Same(source, new AttributeView(source).ToAttributes());
        Assert.True(default(AttributeView).IsNone);
        Assert.Throws<ArgumentException>(() => AttributeEncoder.Size(default(AttributeView), new EncodeContext { FourOctetAs = true }, true));
    }
}
