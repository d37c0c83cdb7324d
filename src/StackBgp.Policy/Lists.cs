using System.Globalization;
using StackBgp.Wire;

namespace StackBgp.Policy;

/// <summary>permit or deny, as written in every FRR list and route-map entry.</summary>
public enum PolicyAction
{
    Permit,
    Deny,
}

/// <summary>Helpers shared by every list type.</summary>
public static class PolicyActionText
{
    public static string Format(PolicyAction action) => action == PolicyAction.Permit ? "permit" : "deny";

    public static bool TryParse(string text, out PolicyAction action)
    {
        action = PolicyAction.Permit;
        switch (text)
        {
            case "permit": return true;
            case "deny": action = PolicyAction.Deny; return true;
            default: return false;
        }
    }
}

/// <summary>
/// One line of <c>ip|ipv6 prefix-list NAME seq N permit|deny PREFIX [ge G] [le L]</c>.
/// <c>any</c> is the zero-length prefix with le = max (FRR prints it as <c>any</c>).
/// </summary>
public sealed record PrefixListEntry(int Seq, PolicyAction Action, Prefix Prefix, int? Ge, int? Le, bool Any = false)
{
    /// <summary>
    /// FRR's rule: same family, the route lies inside Prefix, and its length is exactly the entry's
    /// length when neither ge nor le is given, otherwise within [ge or len, le or max].
    /// </summary>
    public bool Matches(Prefix route)
    {
        if (route.IsIpv6 != Prefix.IsIpv6) return false;
        if (Any) return true;
        if (!Prefix.Contains(route)) return false;
        if (Ge is null && Le is null) return route.Length == Prefix.Length;
        int lo = Ge ?? Prefix.Length;
        int hi = Le ?? Prefix.MaxLength;
        return route.Length >= lo && route.Length <= hi;
    }

    /// <summary>Checks FRR's "len &lt; ge &lt;= le &lt;= max" rule; returns the error text or null.</summary>
    public string? Validate()
    {
        if (Any) return null;
        int len = Prefix.Length, max = Prefix.MaxLength;
        if (Ge is int ge && (ge <= len || ge > max)) return $"invalid prefix range for {Prefix}: make sure len < ge <= le <= {max}";
        if (Le is int le && (le <= len || le > max)) return $"invalid prefix range for {Prefix}: make sure len < le <= {max}";
        if (Ge is int g && Le is int l && g > l) return $"invalid prefix range for {Prefix}: ge {g} is greater than le {l}";
        return null;
    }

    /// <summary>The part after "seq N": "permit 10.0.0.0/8 ge 24 le 32".</summary>
    public string FormatBody()
    {
        if (Any) return $"{PolicyActionText.Format(Action)} any";
        var s = $"{PolicyActionText.Format(Action)} {Prefix}";
        if (Ge is int ge) s += string.Create(CultureInfo.InvariantCulture, $" ge {ge}");
        if (Le is int le) s += string.Create(CultureInfo.InvariantCulture, $" le {le}");
        return s;
    }
}

/// <summary>A named prefix-list of one address family; entries sorted by sequence number.</summary>
public sealed record PrefixList(string Name, Afi Afi, EquatableArray<PrefixListEntry> Entries);

/// <summary>standard (literal values) or expanded (regular expression) community-list entries.</summary>
public enum CommunityListStyle
{
    Standard,
    Expanded,
}

/// <summary>
/// <c>bgp community-list standard|expanded NAME seq N permit|deny …</c>. Standard entries carry
/// values (all must be present on the route; <c>internet</c> matches any), expanded ones a regex
/// over the route's community string.
/// </summary>
public sealed record CommunityListEntry(int Seq, PolicyAction Action, CommunityListStyle Style, EquatableArray<uint> Values, string? Regex)
{
    public string FormatBody() => Style == CommunityListStyle.Expanded
        ? $"{PolicyActionText.Format(Action)} {Regex}"
        : $"{PolicyActionText.Format(Action)} {string.Join(' ', Values.Select(StandardCommunity.Format))}";
}

public sealed record CommunityList(string Name, CommunityListStyle Style, EquatableArray<CommunityListEntry> Entries);

/// <summary><c>bgp large-community-list standard|expanded NAME seq N permit|deny …</c>.</summary>
public sealed record LargeCommunityListEntry(int Seq, PolicyAction Action, CommunityListStyle Style, EquatableArray<LargeCommunity> Values, string? Regex)
{
    public string FormatBody() => Style == CommunityListStyle.Expanded
        ? $"{PolicyActionText.Format(Action)} {Regex}"
        : $"{PolicyActionText.Format(Action)} {string.Join(' ', Values)}";
}

public sealed record LargeCommunityList(string Name, CommunityListStyle Style, EquatableArray<LargeCommunityListEntry> Entries);

/// <summary><c>bgp extcommunity-list standard|expanded NAME seq N permit|deny rt|soo …</c>.</summary>
public sealed record ExtCommunityListEntry(int Seq, PolicyAction Action, CommunityListStyle Style, EquatableArray<ulong> Values, string? Regex)
{
    public string FormatBody() => Style == CommunityListStyle.Expanded
        ? $"{PolicyActionText.Format(Action)} {Regex}"
        : $"{PolicyActionText.Format(Action)} {string.Join(' ', Values.Select(ExtCommunityText.FormatConfig))}";
}

public sealed record ExtCommunityList(string Name, CommunityListStyle Style, EquatableArray<ExtCommunityListEntry> Entries);

/// <summary><c>bgp as-path access-list NAME seq N permit|deny REGEX</c> (FRR's dialect, see <see cref="AsPathRegex"/>).</summary>
public sealed record AsPathAccessListEntry(int Seq, PolicyAction Action, string Regex)
{
    public string FormatBody() => $"{PolicyActionText.Format(Action)} {Regex}";
}

public sealed record AsPathAccessList(string Name, EquatableArray<AsPathAccessListEntry> Entries);
