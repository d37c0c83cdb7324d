using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace StackBgp.Wire.Tests;

/// <summary>
/// <see cref="AsPath"/> keeps its segments in one flat array; these properties hold it to a plain model:
/// the segment list it was built from, with each property computed from that list as RFC 4271 §9.1.2.2
/// and RFC 5065 §5.3 define it.
/// </summary>
public sealed class AsPathPropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(500);

    private static Gen<ImmutableArray<AsPathSegment>> Segments =>
        from n in Gen.Choose(0, 5)
        from segs in Gen.ArrayOf(
            from type in Gen.Elements(AsPathSegmentType.AsSequence, AsPathSegmentType.AsSequence, AsPathSegmentType.AsSet,
                AsPathSegmentType.AsConfedSequence, AsPathSegmentType.AsConfedSet)
            from count in Gen.Frequency((8, Gen.Choose(1, 6)), (1, Gen.Choose(250, 255)))
            from asns in Gen.ArrayOf(Gen.Choose(1, 70000).Select(a => (uint)a), count)
            select new AsPathSegment(type, asns), n)
        select segs.ToImmutableArray();

    private static string Show(IEnumerable<AsPathSegment> segments) => string.Join(" | ", segments.Select(s => $"{s.Type}:{string.Join(',', s.Asns)}"));

    [Fact]
    public void A_path_reads_back_its_segments_and_measures_like_the_segment_list()
    {
        Check.One(Config, Prop.ForAll(Arb.From(Segments), segs =>
        {
            var path = new AsPath(segs);
            Assert.Equal(Show(segs), Show(path.Segments));
            Assert.Equal(segs.IsEmpty, path.IsEmpty);
            Assert.Equal(segs.Sum(s => s.Type == AsPathSegmentType.AsSequence ? s.Asns.Length : s.Type == AsPathSegmentType.AsSet ? 1 : 0), path.Length);
            var firstNonConfed = segs.FirstOrDefault(s => !s.IsConfed);
            Assert.Equal(firstNonConfed.Type == AsPathSegmentType.AsSequence ? firstNonConfed.Asns[0] : 0u, path.FirstAs);
            Assert.Equal(segs.IsEmpty ? 0u : segs[0].Asns[0], path.LeftmostAs);
            Assert.Equal(!segs.IsEmpty && segs[^1].Type == AsPathSegmentType.AsSequence ? segs[^1].Asns[^1] : 0u, path.OriginAs);
            uint probe = segs.IsEmpty ? 1 : segs[^1].Asns[0];
            Assert.Equal(segs.Sum(s => s.Asns.Count(a => a == probe)), path.Count(probe));
            Assert.Equal(segs.Sum(s => s.Asns.Length), path.AsnCount);
            Assert.Equal(Show(segs.Where(s => !s.IsConfed)), Show(path.WithoutConfedSegments().Segments));
            var copy = new AsPath(segs);
            Assert.Equal(path, copy);
            Assert.Equal(path.GetHashCode(), copy.GetHashCode());
            Assert.NotEqual(path, path.Prepend(1));
            return true;
        }));
    }

    [Fact]
    public void Prepending_fills_the_leading_sequence_to_255_and_splits_the_rest_from_the_front()
    {
        var gen = from segs in Segments from times in Gen.Frequency((4, Gen.Choose(1, 3)), (1, Gen.Choose(200, 600))) select (segs, times);
        Check.One(Config, Prop.ForAll(Arb.From(gen), t =>
        {
            var (segs, times) = t;
            // model: the ASNs in front of a leading AS_SEQUENCE's, then cut into 255s from the front
            var lead = new List<uint>(Enumerable.Repeat(65000u, times));
            int skip = 0;
            if (!segs.IsEmpty && segs[0].Type == AsPathSegmentType.AsSequence)
            {
                lead.AddRange(segs[0].Asns);
                skip = 1;
            }
            var expected = lead.Chunk(255).Select(c => new AsPathSegment(AsPathSegmentType.AsSequence, c)).Concat(segs.Skip(skip)).ToImmutableArray();
            Assert.Equal(Show(expected), Show(new AsPath(segs).Prepend(65000, times).Segments));
            return true;
        }));
    }

    [Fact]
    public void The_empty_path_is_the_default_value_and_encodes_to_nothing()
    {
        Assert.True(default(AsPath).IsEmpty);
        Assert.Equal(AsPath.Empty, new AsPath([]));
        Assert.Equal("", default(AsPath).ToString());
        Assert.Equal(0, AsPathCodec.Size(default, fourOctet: true));
        Assert.True(AsPathCodec.TryRead([], true, out var read) && read.IsEmpty);
    }
}
