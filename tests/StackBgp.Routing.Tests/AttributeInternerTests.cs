using StackBgp.Wire;
using Xunit;

namespace StackBgp.Routing.Tests;

/// <summary>The RIB's attribute-set interner: one canonical instance per distinct set, reference-counted.</summary>
public sealed class AttributeInternerTests
{
    private static PathAttributes Set(uint med, params uint[] path) => new()
    {
        Origin = Origin.Igp,
        AsPath = AsPath.FromSequence(path),
        NextHop = NextHop.FromV4(0xC0000201),
        Med = med,
    };

    [Fact]
    public void Equal_sets_share_one_instance_until_the_last_reference_is_released()
    {
        var interner = new AttributeInterner();
        var first = interner.Intern(Set(10, 65001, 65002));
        var second = interner.Intern(Set(10, 65001, 65002));
        Assert.Same(first, second);
        Assert.Equal(1, interner.Count);
        Assert.Equal(2, interner.RefCount(first));

        interner.AddRef(first);
        Assert.Equal(3, interner.RefCount(first));
        interner.Release(first);
        interner.Release(first);
        Assert.Equal(1, interner.Count);
        interner.Release(first);
        Assert.Equal(0, interner.Count);
        Assert.Equal(0, interner.RefCount(first));

        // forgotten: a new equal set becomes the canonical one
        var third = Set(10, 65001, 65002);
        Assert.Same(third, interner.Intern(third));
    }

    [Fact]
    public void Sets_that_differ_in_one_attribute_are_distinct_and_a_derived_set_keeps_its_source_path()
    {
        var interner = new AttributeInterner();
        var a = interner.Intern(Set(10, 65001, 65002));
        var b = interner.Intern(a with { Med = 20 });
        Assert.NotSame(a, b);
        Assert.Equal(2, interner.Count);
        Assert.Same(a.AsPath.Identity, b.AsPath.Identity); // the path storage is shared, not copied
        Assert.Equal(Set(20, 65001, 65002), b);
    }

    [Fact]
    public void A_set_canonical_in_another_interner_is_copied_not_shared()
    {
        var one = new AttributeInterner();
        var two = new AttributeInterner();
        var inOne = one.Intern(Set(10, 65001));
        var inTwo = two.Intern(inOne);
        Assert.NotSame(inOne, inTwo);
        Assert.Equal(inOne, inTwo);
        // releasing in one leaves the other's reference intact
        one.Release(inOne);
        Assert.Equal(0, one.Count);
        Assert.Equal(1, two.RefCount(inTwo));
        Assert.Throws<InvalidOperationException>(() => two.Release(inOne));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Matches_a_reference_count_model_through_random_interns_and_releases(int seed)
    {
        // 3000 distinct sets, built afresh on every intern (equal, not the same object): the table grows,
        // fills, empties and wraps around, and every release takes a set out of the middle of a probe run.
        var random = new Random(seed);
        var interner = new AttributeInterner();
        var model = new Dictionary<uint, (PathAttributes Canonical, int Refs)>();
        for (int step = 0; step < 60_000; step++)
        {
            uint k = (uint)random.Next(3000);
            if (model.TryGetValue(k, out var m) && random.Next(2) == 0)
            {
                interner.Release(m.Canonical);
                if (m.Refs == 1) model.Remove(k);
                else model[k] = (m.Canonical, m.Refs - 1);
            }
            else
            {
                var got = interner.Intern(Set(k, 65001, 65000 + k % 7));
                if (m.Canonical is not null) Assert.Same(m.Canonical, got);
                model[k] = (got, m.Refs + 1);
            }
            if (step % 499 == 0)
            {
                Assert.Equal(model.Count, interner.Count);
                foreach (var (key, (canonical, refs)) in model)
                {
                    Assert.Equal(refs, interner.RefCount(Set(key, 65001, 65000 + key % 7)));
                    Assert.Same(canonical, interner.Intern(Set(key, 65001, 65000 + key % 7)));
                    interner.Release(canonical);
                }
            }
        }
    }
}
