using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using StackBgp.Wire;

namespace StackBgp.Policy;

/// <summary>
/// Prefix-list evaluation: first matching entry (lowest seq) decides; no match = deny; an empty
/// list permits (FRR). Long lists are indexed by (network, length) of each entry, so a lookup costs
/// one probe per distinct entry length instead of a scan of every entry.
/// </summary>
internal sealed class CompiledPrefixList
{
    private const int IndexThreshold = 16;
    private readonly PrefixListEntry[] _entries;
    private readonly Dictionary<Prefix, int[]>? _index;
    private readonly int[] _lengths = [];
    private readonly int[] _anyEntries = [];

    public CompiledPrefixList(PrefixList list)
    {
        Name = list.Name;
        _entries = [.. list.Entries.OrderBy(e => e.Seq)];
        if (_entries.Length <= IndexThreshold) return;
        _index = _entries.Select((e, i) => (e, i)).Where(x => !x.e.Any)
            .GroupBy(x => x.e.Prefix).ToDictionary(g => g.Key, g => g.Select(x => x.i).ToArray());
        _lengths = [.. _index.Keys.Select(k => k.Length).Distinct().Order()];
        _anyEntries = [.. _entries.Select((e, i) => (e, i)).Where(x => x.e.Any).Select(x => x.i)];
    }

    public string Name { get; }

    public bool Permits(Prefix prefix)
    {
        if (_entries.Length == 0) return true;
        if (_index is null)
        {
            foreach (var e in _entries)
                if (e.Matches(prefix)) return e.Action == PolicyAction.Permit;
            return false;
        }
        int best = int.MaxValue;
        foreach (int i in _anyEntries)
            if (i < best && _entries[i].Matches(prefix)) best = i;
        foreach (int len in _lengths)
        {
            if (len > prefix.Length) break;
            var key = prefix.IsIpv6 ? Prefix.FromV6(prefix.High, prefix.Low, len) : Prefix.FromV4(prefix.V4Bits, len);
            if (!_index.TryGetValue(key, out var candidates)) continue;
            foreach (int i in candidates)
                if (i < best && _entries[i].Matches(prefix)) { best = i; break; }
        }
        return best != int.MaxValue && _entries[best].Action == PolicyAction.Permit;
    }
}

/// <summary>
/// AS-path access-list: first entry whose regex matches the path string decides; no match = deny.
/// The verdict is cached per path storage (<see cref="AsPath.Identity"/>; paths are shared through
/// interned attribute sets), so each distinct path runs the regexes once.
/// </summary>
internal sealed class CompiledAsPathList
{
    private static readonly object True = true;
    private static readonly object False = false;
    private readonly (Regex Regex, bool Permit)[] _entries;
    private readonly IPolicyStringCache _strings;
    private readonly ConditionalWeakTable<object, object> _verdicts = new();

    public CompiledAsPathList(AsPathAccessList list, IPolicyStringCache strings)
    {
        _strings = strings;
        _entries = [.. list.Entries.Select(e => (AsPathRegex.Compile(e.Regex), e.Action == PolicyAction.Permit))];
    }

    public bool Permits(AsPath path)
    {
        if (_verdicts.TryGetValue(path.Identity, out var v)) return (bool)v;
        bool result = Evaluate(_strings.AsPath(path));
        _verdicts.AddOrUpdate(path.Identity, result ? True : False);
        return result;
    }

    private bool Evaluate(string text)
    {
        foreach (var (regex, permit) in _entries)
            if (regex.IsMatch(text)) return permit;
        return false;
    }
}

/// <summary>Standard, large and extended community lists: FRR's first-match rules.</summary>
internal sealed class CompiledCommunityList
{
    private readonly CommunityListEntry[] _entries;
    private readonly Regex?[] _regexes;
    private readonly IPolicyStringCache _strings;

    public CompiledCommunityList(CommunityList list, IPolicyStringCache strings)
    {
        _strings = strings;
        _entries = [.. list.Entries];
        _regexes = [.. _entries.Select(e => e.Regex is null ? null : AsPathRegex.Compile(e.Regex))];
    }

    /// <summary>
    /// <c>match community</c>: an entry matches if all its values are on the route (<c>internet</c>
    /// matches any route), or (exact-match) the route carries exactly its values; expanded entries
    /// match their regex against the route's community string. The first matching entry decides.
    /// </summary>
    public bool Matches(PathAttributes attrs, bool exact)
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            var e = _entries[i];
            bool hit;
            if (_regexes[i] is Regex r) hit = r.IsMatch(_strings.Communities(attrs));
            else if (!exact && e.Values.Items.Contains(StandardCommunity.Internet)) hit = true;
            else if (exact) hit = SameSet(attrs.Communities.AsSpan(), e.Values);
            else hit = AllPresent(attrs, e.Values);
            if (hit) return e.Action == PolicyAction.Permit;
        }
        return false;
    }

    /// <summary><c>set comm-list NAME delete</c>: is this single community deleted (first matching entry is a permit)?</summary>
    public bool Deletes(uint community)
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            var e = _entries[i];
            bool hit = _regexes[i] is Regex r
                ? r.IsMatch(StandardCommunity.Format(community))
                : e.Values.Items.Contains(StandardCommunity.Internet) || e.Values.Items.Contains(community);
            if (hit) return e.Action == PolicyAction.Permit;
        }
        return false;
    }

    private static bool AllPresent(PathAttributes attrs, EquatableArray<uint> values)
    {
        foreach (uint v in values)
            if (!attrs.HasCommunity(v)) return false;
        return true;
    }

    internal static bool SameSet<T>(ReadOnlySpan<T> sortedRoute, EquatableArray<T> values) where T : IEquatable<T>
    {
        if (sortedRoute.Length != values.Items.Distinct().Count()) return false;
        foreach (var v in values)
            if (sortedRoute.IndexOf(v) < 0) return false;
        return true;
    }
}

internal sealed class CompiledLargeCommunityList
{
    private readonly LargeCommunityListEntry[] _entries;
    private readonly Regex?[] _regexes;
    private readonly IPolicyStringCache _strings;

    public CompiledLargeCommunityList(LargeCommunityList list, IPolicyStringCache strings)
    {
        _strings = strings;
        _entries = [.. list.Entries];
        _regexes = [.. _entries.Select(e => e.Regex is null ? null : AsPathRegex.Compile(e.Regex))];
    }

    public bool Matches(PathAttributes attrs, bool exact)
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            var e = _entries[i];
            bool hit;
            if (_regexes[i] is Regex r) hit = r.IsMatch(_strings.LargeCommunities(attrs));
            else if (exact) hit = CompiledCommunityList.SameSet(attrs.LargeCommunities.AsSpan(), e.Values);
            else hit = e.Values.All(attrs.HasLargeCommunity);
            if (hit) return e.Action == PolicyAction.Permit;
        }
        return false;
    }

    public bool Deletes(LargeCommunity community)
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            var e = _entries[i];
            bool hit = _regexes[i] is Regex r ? r.IsMatch(community.ToString()) : e.Values.Items.Contains(community);
            if (hit) return e.Action == PolicyAction.Permit;
        }
        return false;
    }
}

internal sealed class CompiledExtCommunityList
{
    private readonly ExtCommunityListEntry[] _entries;
    private readonly Regex?[] _regexes;
    private readonly IPolicyStringCache _strings;

    public CompiledExtCommunityList(ExtCommunityList list, IPolicyStringCache strings)
    {
        _strings = strings;
        _entries = [.. list.Entries];
        _regexes = [.. _entries.Select(e => e.Regex is null ? null : AsPathRegex.Compile(e.Regex))];
    }

    public bool Matches(PathAttributes attrs)
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            var e = _entries[i];
            bool hit = _regexes[i] is Regex r
                ? r.IsMatch(_strings.ExtendedCommunities(attrs))
                : e.Values.All(attrs.HasExtendedCommunity);
            if (hit) return e.Action == PolicyAction.Permit;
        }
        return false;
    }
}
