using System.Runtime.CompilerServices;
using StackBgp.Wire;

namespace StackBgp.Policy;

/// <summary>
/// Hook for the strings regular expressions run over. Attribute sets are interned, so caching
/// by object identity turns "format the AS path for every route" into "once per distinct path".
/// </summary>
public interface IPolicyStringCache
{
    /// <summary>FRR's AS-path string, e.g. "65001 65002 {65003,65004}".</summary>
    string AsPath(AsPath path);

    /// <summary>The communities as FRR prints them ("65001:1 no-export").</summary>
    string Communities(PathAttributes attributes);

    /// <summary>Large communities ("65001:1:2 65001:1:3").</summary>
    string LargeCommunities(PathAttributes attributes);

    /// <summary>Extended communities ("RT:65001:10 SoO:65001:5").</summary>
    string ExtendedCommunities(PathAttributes attributes);
}

/// <summary>The default cache: weak tables keyed by the (interned) objects and path storage, so entries die with them.</summary>
public sealed class WeakPolicyStringCache : IPolicyStringCache
{
    private readonly ConditionalWeakTable<object, string> _asPaths = new();
    private readonly ConditionalWeakTable<PathAttributes, string> _communities = new();
    private readonly ConditionalWeakTable<PathAttributes, string> _large = new();
    private readonly ConditionalWeakTable<PathAttributes, string> _ext = new();

    public static WeakPolicyStringCache Shared { get; } = new();

    public string AsPath(AsPath path)
    {
        if (_asPaths.TryGetValue(path.Identity, out var text)) return text;
        text = path.ToString();
        _asPaths.AddOrUpdate(path.Identity, text);
        return text;
    }

    public string Communities(PathAttributes attributes) =>
        _communities.GetValue(attributes, static a => string.Join(' ', a.Communities.Select(StandardCommunity.Format)));

    public string LargeCommunities(PathAttributes attributes) =>
        _large.GetValue(attributes, static a => string.Join(' ', a.LargeCommunities));

    public string ExtendedCommunities(PathAttributes attributes) =>
        _ext.GetValue(attributes, static a => string.Join(' ', a.ExtendedCommunities.Select(ExtCommunityText.Format)));
}
