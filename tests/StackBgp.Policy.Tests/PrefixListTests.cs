using StackBgp.Wire;
using Xunit;
using static StackBgp.Policy.Tests.P;

namespace StackBgp.Policy.Tests;

public class PrefixListTests
{
    private static bool Permits(PrefixList list, string prefix) =>
        CompiledPolicy.Compile(new PolicySet(prefixLists: [list])).PrefixListPermits(list.Afi, list.Name, Prefix.Parse(prefix));

    [Theory]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("10.0.0.0/9", false)]   // no ge/le: exact length only
    [InlineData("11.0.0.0/8", false)]
    public void Without_ge_le_only_the_exact_prefix_matches(string p, bool expected) =>
        Assert.Equal(expected, Permits(Pl("x", Pe(5, "permit", "10.0.0.0/8")), p));

    [Theory]
    [InlineData("99.99.1.2/32", true)]
    [InlineData("10.0.0.0/24", false)]
    [InlineData("0.0.0.0/0", false)]
    public void Rhosp_only_host_prefixes_lets_only_host_routes_out(string p, bool expected) =>
        Assert.Equal(expected, Permits(Pl("only-host-prefixes", Pe(5, "permit", "0.0.0.0/0", ge: 32)), p));

    [Theory]
    [InlineData("10.1.0.0/16", false)]
    [InlineData("10.1.2.0/24", true)]
    [InlineData("10.1.2.0/25", true)]
    [InlineData("10.1.2.128/26", true)]
    [InlineData("10.1.2.4/30", false)]
    [InlineData("10.0.0.0/8", false)]
    public void Ge_and_le_bound_the_length(string p, bool expected) =>
        Assert.Equal(expected, Permits(Pl("x", Pe(5, "permit", "10.0.0.0/8", ge: 24, le: 26)), p));

    [Theory]
    [InlineData("10.1.0.0/16", true)]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("10.1.1.0/24", false)]
    public void Le_alone_starts_at_the_prefix_length(string p, bool expected) =>
        Assert.Equal(expected, Permits(Pl("x", Pe(5, "permit", "10.0.0.0/8", le: 16)), p));

    [Fact]
    public void First_match_wins_and_the_end_is_an_implicit_deny()
    {
        var list = Pl("x", Pe(5, "deny", "10.1.0.0/16", le: 32), Pe(10, "permit", "10.0.0.0/8", le: 32));
        Assert.False(Permits(list, "10.1.2.0/24"));
        Assert.True(Permits(list, "10.2.0.0/16"));
        Assert.False(Permits(list, "192.168.0.0/16"));
    }

    [Fact]
    public void Any_matches_every_prefix_of_its_family_only()
    {
        var any = new PrefixListEntry(5, PolicyAction.Permit, Prefix.Parse("0.0.0.0/0"), null, null, Any: true);
        var list = new PrefixList("x", Afi.Ipv4, [any]);
        Assert.True(Permits(list, "1.2.3.0/24"));
        Assert.True(Permits(list, "0.0.0.0/0"));
        Assert.False(any.Matches(Prefix.Parse("2001:db8::/32")));
    }

    [Fact]
    public void Ipv6_lists_match_ipv6_prefixes()
    {
        var list = Pl("only-host-prefixes", Pe(5, "permit", "::/0", ge: 128));
        Assert.True(Permits(list, "2001:db8::1/128"));
        Assert.False(Permits(list, "2001:db8::/64"));
    }

    [Fact]
    public void An_empty_list_permits_and_an_undefined_one_denies()
    {
        var policy = CompiledPolicy.Compile(new PolicySet(prefixLists: [new PrefixList("empty", Afi.Ipv4, [])]));
        Assert.True(policy.PrefixListPermits(Afi.Ipv4, "empty", Prefix.Parse("10.0.0.0/8")));
        Assert.False(policy.PrefixListPermits(Afi.Ipv4, "nope", Prefix.Parse("10.0.0.0/8")));
        Assert.False(policy.PrefixListPermits(Afi.Ipv6, "empty", Prefix.Parse("10.0.0.0/8"))); // lists are per family
    }
}
