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
}
