using System.Collections.Immutable;
using StackBgp.Wire;
using Xunit;
using static StackBgp.Policy.Tests.P;

namespace StackBgp.Policy.Tests;

public class AsPathRegexTests
{
    private static bool M(string regex, string path) => AsPathRegex.Compile(regex).IsMatch(path);

    [Theory]
    [InlineData("_65001_", "65001", true)]
    [InlineData("_65001_", "65000 65001 65002", true)]
    [InlineData("_65001_", "650011 65002", false)]
    [InlineData("_65001_", "165001", false)]
    [InlineData("^65001_", "65001 65002", true)]
    [InlineData("^65001_", "65002 65001", false)]
    [InlineData("_65002$", "65001 65002", true)]
    [InlineData("_65003_", "65001 {65003,65004}", true)]  // comma and braces are delimiters
    [InlineData("_65004_", "65001 {65003,65004}", true)]
    [InlineData("_65010_", "(65010 65011) 65001", true)]  // confederation parentheses
    [InlineData("^$", "", true)]
    [InlineData("^$", "65001", false)]
    [InlineData(".*", "", true)]
    [InlineData("^6500[0-9]_", "65005 1", true)]
    [InlineData("^(65001|65002)_", "65002 7", true)]
    [InlineData("[_]", "1_2", true)]                       // inside a bracket class "_" is literal
    public void Underscore_matches_frr_delimiters(string regex, string path, bool expected) =>
        Assert.Equal(expected, M(regex, path));

    [Fact]
    public void The_path_string_is_frrs_canonical_form()
    {
        var path = new AsPath(ImmutableArray.Create(
            new AsPathSegment(AsPathSegmentType.AsSequence, 65001u, 65002u),
            new AsPathSegment(AsPathSegmentType.AsSet, 65003u, 65004u)));
        Assert.Equal("65001 65002 {65003,65004}", new WeakPolicyStringCache().AsPath(path));
    }

    [Fact]
    public void Invalid_regexes_are_reported_not_thrown()
    {
        Assert.False(AsPathRegex.TryCompile("(65001", System.Text.RegularExpressions.RegexOptions.None, out _, out var err));
        Assert.Contains("invalid regular expression '(65001'", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Pathological_patterns_run_in_linear_time_and_back_references_are_refused()
    {
        var r = AsPathRegex.Compile("^(6+)+5$");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        bool matched = r.IsMatch(new string((char)0x36, 5000) + "4");
        Assert.False(matched);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        Assert.False(AsPathRegex.TryCompile("(65001)_\\1", System.Text.RegularExpressions.RegexOptions.None, out _, out var err));
        Assert.StartsWith("invalid regular expression", err, StringComparison.Ordinal);
    }

    private sealed class CountingCache : IPolicyStringCache
    {
        private readonly WeakPolicyStringCache _inner = new();
        public int AsPathCalls { get; private set; }
        public string AsPath(AsPath path) { AsPathCalls++; return _inner.AsPath(path); }
        public string Communities(PathAttributes attributes) => _inner.Communities(attributes);
        public string LargeCommunities(PathAttributes attributes) => _inner.LargeCommunities(attributes);
        public string ExtendedCommunities(PathAttributes attributes) => _inner.ExtendedCommunities(attributes);
    }

    [Fact]
    public void The_verdict_is_computed_once_per_interned_path()
    {
        var cache = new CountingCache();
        var policy = CompiledPolicy.Compile(new PolicySet(
            asPathLists: [new AsPathAccessList("l", [new AsPathAccessListEntry(5, PolicyAction.Permit, "_65002_")])],
            routeMaps: [Rm("m", E(10, "permit", "match as-path l"))]), cache);
        var shared = Attrs("65001 65002");
        RouteContext ctx = default;
        for (int i = 0; i < 1000; i++)
        {
            var p = Prefix.FromV4(0x0A000000u + ((uint)i << 8), 24);
            Assert.True(policy.ApplyRouteMap("m", p, shared, in ctx).Permit);
            Assert.True(policy.AsPathListPermits("l", shared.AsPath));
        }
        Assert.Equal(1, cache.AsPathCalls);
    }
}
