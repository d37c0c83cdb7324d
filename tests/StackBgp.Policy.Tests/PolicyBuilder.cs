using StackBgp.Wire;

namespace StackBgp.Policy.Tests;

/// <summary>Builds policy ASTs from FRR-style lines for tests (the Config project does this for real).</summary>
internal static class P
{
    public static PrefixListEntry Pe(int seq, string action, string prefix, int? ge = null, int? le = null) =>
        new(seq, action == "permit" ? PolicyAction.Permit : PolicyAction.Deny, Prefix.Parse(prefix), ge, le);

    public static PrefixList Pl(string name, params PrefixListEntry[] entries) =>
        new(name, entries[0].Prefix.Afi, entries.ToEquatableArray());

    public static RouteMapEntry E(int seq, string action, params string[] lines)
    {
        var matches = new List<MatchClause>();
        var sets = new List<SetClause>();
        var onMatch = ExitPolicy.Exit;
        int? gotoSeq = null;
        string? call = null;
        foreach (var line in lines)
        {
            var t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (t[0])
            {
                case "match":
                    matches.Add(RouteMapSyntax.ParseMatch(t[1..], out var me) ?? throw new InvalidOperationException(me));
                    break;
                case "set":
                    sets.Add(RouteMapSyntax.ParseSet(t[1..], out var se) ?? throw new InvalidOperationException(se));
                    break;
                case "on-match" when t[1] == "next":
                case "continue" when t.Length == 1:
                    onMatch = ExitPolicy.Next;
                    break;
                case "on-match":
                case "continue":
                    onMatch = ExitPolicy.Goto;
                    gotoSeq = int.Parse(t[^1], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "call":
                    call = t[1];
                    break;
                default:
                    throw new InvalidOperationException(line);
            }
        }
        return new RouteMapEntry(seq, action == "permit" ? PolicyAction.Permit : PolicyAction.Deny,
            matches.ToEquatableArray(), sets.ToEquatableArray(), onMatch, gotoSeq, call);
    }

    public static RouteMap Rm(string name, params RouteMapEntry[] entries) => new(name, entries.ToEquatableArray());

    public static PathAttributes Attrs(string asPath = "", uint? med = null, uint? lp = null, string? nh = null, params string[] communities) =>
        new()
        {
            AsPath = asPath.Length == 0 ? AsPath.Empty : AsPath.FromSequence([.. asPath.Split(' ').Select(uint.Parse)]),
            Med = med,
            LocalPref = lp,
            NextHop = nh is null ? NextHop.None : NextHop.Parse(nh),
            Communities = [.. communities.Select(c => StandardCommunity.TryParse(c, out uint v) ? v : throw new FormatException(c))],
        };
}
