using System.Collections.Frozen;
using StackBgp.Wire;

namespace StackBgp.Policy;

/// <summary>
/// Every named list and route-map of a configuration, immutable. Equality is by content
/// (the lists, in name order); lookups go through frozen dictionaries built once.
/// </summary>
public sealed class PolicySet : IEquatable<PolicySet>
{
    private readonly FrozenDictionary<(Afi, string), PrefixList> _prefixLists;
    private readonly FrozenDictionary<string, CommunityList> _communityLists;
    private readonly FrozenDictionary<string, LargeCommunityList> _largeCommunityLists;
    private readonly FrozenDictionary<string, ExtCommunityList> _extCommunityLists;
    private readonly FrozenDictionary<string, AsPathAccessList> _asPathLists;
    private readonly FrozenDictionary<string, RouteMap> _routeMaps;

    public PolicySet(
        IEnumerable<PrefixList>? prefixLists = null,
        IEnumerable<CommunityList>? communityLists = null,
        IEnumerable<LargeCommunityList>? largeCommunityLists = null,
        IEnumerable<ExtCommunityList>? extCommunityLists = null,
        IEnumerable<AsPathAccessList>? asPathLists = null,
        IEnumerable<RouteMap>? routeMaps = null)
    {
        PrefixLists = (prefixLists ?? []).OrderBy(p => p.Afi).ThenBy(p => p.Name, StringComparer.Ordinal).ToEquatableArray();
        CommunityLists = (communityLists ?? []).OrderBy(p => p.Name, StringComparer.Ordinal).ToEquatableArray();
        LargeCommunityLists = (largeCommunityLists ?? []).OrderBy(p => p.Name, StringComparer.Ordinal).ToEquatableArray();
        ExtCommunityLists = (extCommunityLists ?? []).OrderBy(p => p.Name, StringComparer.Ordinal).ToEquatableArray();
        AsPathLists = (asPathLists ?? []).OrderBy(p => p.Name, StringComparer.Ordinal).ToEquatableArray();
        RouteMaps = (routeMaps ?? []).OrderBy(p => p.Name, StringComparer.Ordinal).ToEquatableArray();
        _prefixLists = PrefixLists.ToFrozenDictionary(p => (p.Afi, p.Name));
        _communityLists = CommunityLists.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);
        _largeCommunityLists = LargeCommunityLists.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);
        _extCommunityLists = ExtCommunityLists.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);
        _asPathLists = AsPathLists.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);
        _routeMaps = RouteMaps.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);
    }

    public static PolicySet Empty { get; } = new();

    public EquatableArray<PrefixList> PrefixLists { get; }
    public EquatableArray<CommunityList> CommunityLists { get; }
    public EquatableArray<LargeCommunityList> LargeCommunityLists { get; }
    public EquatableArray<ExtCommunityList> ExtCommunityLists { get; }
    public EquatableArray<AsPathAccessList> AsPathLists { get; }
    public EquatableArray<RouteMap> RouteMaps { get; }

    public PrefixList? FindPrefixList(Afi afi, string name) => _prefixLists.GetValueOrDefault((afi, name));
    public CommunityList? FindCommunityList(string name) => _communityLists.GetValueOrDefault(name);
    public LargeCommunityList? FindLargeCommunityList(string name) => _largeCommunityLists.GetValueOrDefault(name);
    public ExtCommunityList? FindExtCommunityList(string name) => _extCommunityLists.GetValueOrDefault(name);
    public AsPathAccessList? FindAsPathList(string name) => _asPathLists.GetValueOrDefault(name);
    public RouteMap? FindRouteMap(string name) => _routeMaps.GetValueOrDefault(name);

    public bool Equals(PolicySet? other) =>
        other is not null
        && PrefixLists == other.PrefixLists
        && CommunityLists == other.CommunityLists
        && LargeCommunityLists == other.LargeCommunityLists
        && ExtCommunityLists == other.ExtCommunityLists
        && AsPathLists == other.AsPathLists
        && RouteMaps == other.RouteMaps;

    public override bool Equals(object? obj) => Equals(obj as PolicySet);

    public override int GetHashCode() => HashCode.Combine(PrefixLists, CommunityLists, AsPathLists, RouteMaps);
}
