using StackBgp.Wire;
using Xunit;

namespace StackBgp.Policy.Tests;

public class PrefixListIndexTests
{
    /// <summary>Long lists use an index; it must decide exactly as the plain first-match scan.</summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    public void Indexed_lists_decide_like_a_linear_scan(int seed, bool v6)
    {
        var r = new Random(seed);
        Prefix RandomPrefix(int maxLen)
        {
            int len = r.Next(0, maxLen + 1);
            // Few distinct top bits so that entries overlap and ordering matters.
            return v6
                ? Prefix.FromV6(((ulong)r.Next(4) << 62) | ((ulong)r.Next(4) << 56) | (ulong)r.NextInt64(), (ulong)r.NextInt64(), len)
                : Prefix.FromV4(((uint)r.Next(4) << 30) | ((uint)r.Next(4) << 24) | (uint)r.Next(), len);
        }
        int max = v6 ? 128 : 32;
        var entries = new List<PrefixListEntry>();
        for (int i = 0; i < 300; i++)
        {
            var p = RandomPrefix(v6 ? 64 : 24);
            int? ge = r.Next(3) == 0 && p.Length < max ? r.Next(p.Length + 1, max + 1) : null;
            int? le = r.Next(3) == 0 && p.Length < max ? r.Next(Math.Max(ge ?? p.Length + 1, p.Length + 1), max + 1) : null;
            entries.Add(new PrefixListEntry((i + 1) * 5, r.Next(2) == 0 ? PolicyAction.Permit : PolicyAction.Deny, p, ge, le, Any: i == 250));
        }
        var list = new PrefixList("big", v6 ? Afi.Ipv6 : Afi.Ipv4, entries.ToEquatableArray());
        var policy = CompiledPolicy.Compile(new PolicySet(prefixLists: [list]));
        int permits = 0;
        for (int i = 0; i < 5000; i++)
        {
            var route = RandomPrefix(max);
            bool expected = false;
            foreach (var e in entries)
                if (e.Matches(route)) { expected = e.Action == PolicyAction.Permit; break; }
            Assert.True(expected == policy.PrefixListPermits(list.Afi, "big", route), $"route {route}");
            if (expected) permits++;
        }
        Assert.InRange(permits, 100, 4900); // both outcomes exercised
    }
}
