using System.Text.RegularExpressions;
using StackBgp.Policy;
using StackBgp.Wire;

namespace StackBgp.Config;

internal sealed partial class ConfigParserState
{
    private readonly Dictionary<(Afi, string), List<PrefixListEntry>> _prefixLists = [];
    private readonly Dictionary<string, (CommunityListStyle Style, List<CommunityListEntry> Entries)> _communityLists = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (CommunityListStyle Style, List<LargeCommunityListEntry> Entries)> _largeLists = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (CommunityListStyle Style, List<ExtCommunityListEntry> Entries)> _extLists = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<AsPathAccessListEntry>> _asPathLists = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<int, RouteMapEntry>> _routeMaps = new(StringComparer.Ordinal);
    private readonly List<ProtocolRouteMap> _protocolRouteMaps = [];
    private string _rmName = "";
    private int _rmSeq;

    private enum RefKind
    {
        RouteMap,
        PrefixList,
        AsPathList,
        CommunityList,
        LargeCommunityList,
        ExtCommunityList,
    }

    private readonly List<(RefKind Kind, Afi Afi, string Name, int Line, string Command)> _refs = [];
    private readonly List<(string Name, int Line, string Command)> _bfdProfileRefs = [];

    private void RefRouteMap(string name) => _refs.Add((RefKind.RouteMap, Afi.Ipv4, name, _line, _command));

    private void RefPrefixList(Afi afi, string name) => _refs.Add((RefKind.PrefixList, afi, name, _line, _command));

    private void RefAsPathList(string name) => _refs.Add((RefKind.AsPathList, Afi.Ipv4, name, _line, _command));

    /// <summary>FRR numbers an entry without "seq" as the next multiple of 5 above the highest.</summary>
    private static int NextSeq(IEnumerable<int> seqs)
    {
        int max = seqs.DefaultIfEmpty(0).Max();
        return (max / 5 + 1) * 5;
    }

    /// <summary>Parses "[seq N] permit|deny" at index i; returns the index after the action, or -1.</summary>
    private int SeqAndAction(string[] t, int i, IEnumerable<int> existing, out int seq, out PolicyAction action)
    {
        seq = 0;
        action = PolicyAction.Permit;
        if (i < t.Length && t[i] == "seq")
        {
            if (i + 1 >= t.Length || !Int(t[i + 1], 1, uint.MaxValue, "sequence number", out seq)) return -1;
            i += 2;
        }
        else seq = NextSeq(existing);
        if (i >= t.Length) { Error($"incomplete command: {_command}"); return -1; }
        if (!PolicyActionText.TryParse(t[i], out action)) { Error($"expected 'permit' or 'deny', not '{t[i]}'"); return -1; }
        return i + 1;
    }

    private void PrefixListCommand(string[] t, Afi afi)
    {
        // ip prefix-list NAME [seq N] permit|deny PREFIX|any [ge G] [le L]
        if (t.Length < 4) { Error($"incomplete command: {_command}"); return; }
        string name = t[2];
        if (t[3] is "description" or "sequence-number") { Unsupported(_command); return; }
        var list = _prefixLists.TryGetValue((afi, name), out var l) ? l : _prefixLists[(afi, name)] = [];
        int i = SeqAndAction(t, 3, list.Select(e => e.Seq), out int seq, out var action);
        if (i < 0) return;
        if (i >= t.Length) { Error($"incomplete command: {_command}"); return; }
        PrefixListEntry entry;
        if (t[i] == "any")
        {
            if (i + 1 != t.Length) { Error("'any' takes no ge/le"); return; }
            entry = new PrefixListEntry(seq, action, afi == Afi.Ipv6 ? Prefix.Parse("::/0") : Prefix.Parse("0.0.0.0/0"), null, null, Any: true);
        }
        else
        {
            if (!Pfx(t[i], afi, out var p)) return;
            int? ge = null, le = null;
            for (int j = i + 1; j < t.Length; j += 2)
            {
                if (j + 1 >= t.Length || t[j] is not ("ge" or "le")) { Error($"unexpected '{t[j]}' (expected ge N or le N)"); return; }
                if (!Int(t[j + 1], 0, 128, t[j], out int v)) return;
                if (t[j] == "ge") ge = v; else le = v;
            }
            entry = new PrefixListEntry(seq, action, p, ge, le);
            if (entry.Validate() is string err) { Error(err); return; }
        }
        list.RemoveAll(e => e.Seq == seq);
        list.Add(entry);
    }

    private void BgpListCommand(string[] t)
    {
        switch (t[1])
        {
            case "as-path":
            {
                // bgp as-path access-list NAME [seq N] permit|deny REGEX
                if (t.Length < 6 || t[2] != "access-list") { Error($"incomplete command: {_command}"); return; }
                var list = _asPathLists.TryGetValue(t[3], out var l) ? l : _asPathLists[t[3]] = [];
                int i = SeqAndAction(t, 4, list.Select(e => e.Seq), out int seq, out var action);
                if (i < 0) return;
                if (i >= t.Length) { Error($"incomplete command: {_command}"); return; }
                string regex = RestOf(t, i);
                if (!AsPathRegex.TryCompile(regex, RegexOptions.None, out _, out var err)) { Error(err!); return; }
                list.RemoveAll(e => e.Seq == seq);
                list.Add(new AsPathAccessListEntry(seq, action, regex));
                return;
            }
            case "community-list" or "large-community-list" or "extcommunity-list":
                CommunityListCommand(t);
                return;
        }
        Unknown();
    }

    private void CommunityListCommand(string[] t)
    {
        if (t.Length < 5) { Error($"incomplete command: {_command}"); return; }
        int i = 2;
        CommunityListStyle style;
        string name;
        if (t[2] is "standard" or "expanded")
        {
            style = t[2] == "standard" ? CommunityListStyle.Standard : CommunityListStyle.Expanded;
            name = t[3];
            i = 4;
        }
        else if (int.TryParse(t[2], out int num) && num is >= 1 and <= 500)
        {
            // Legacy numbered lists: 1-99 standard, 100-500 expanded.
            style = num < 100 ? CommunityListStyle.Standard : CommunityListStyle.Expanded;
            name = t[2];
            i = 3;
        }
        else { Error($"expected 'standard', 'expanded' or a list number (1-99, 100-500), not '{t[2]}'"); return; }

        string kind = t[1];
        IEnumerable<int> existing = kind switch
        {
            "community-list" => _communityLists.TryGetValue(name, out var c) ? c.Entries.Select(e => e.Seq) : [],
            "large-community-list" => _largeLists.TryGetValue(name, out var lc) ? lc.Entries.Select(e => e.Seq) : [],
            _ => _extLists.TryGetValue(name, out var ec) ? ec.Entries.Select(e => e.Seq) : [],
        };
        i = SeqAndAction(t, i, [.. existing], out int seq, out var action);
        if (i < 0) return;
        if (i >= t.Length) { Error($"incomplete command: {_command}"); return; }
        string? regex = null;
        if (style == CommunityListStyle.Expanded)
        {
            regex = RestOf(t, i);
            if (!AsPathRegex.TryCompile(regex, RegexOptions.None, out _, out var err)) { Error(err!); return; }
        }
        switch (kind)
        {
            case "community-list":
            {
                var values = new List<uint>();
                if (regex is null)
                    foreach (var w in t[i..])
                    {
                        if (!StandardCommunity.TryParse(w, out uint v)) { Error($"invalid community '{w}' (AA:NN or a well-known name)"); return; }
                        values.Add(v);
                    }
                var entry = new CommunityListEntry(seq, action, style, values.ToEquatableArray(), regex);
                if (!_communityLists.TryGetValue(name, out var cl)) _communityLists[name] = cl = (style, []);
                if (cl.Style != style) { Error($"community-list {name} is {cl.Style.ToString().ToLowerInvariant()}; cannot mix styles"); return; }
                cl.Entries.RemoveAll(e => e.Seq == seq);
                cl.Entries.Add(entry);
                return;
            }
            case "large-community-list":
            {
                var values = new List<LargeCommunity>();
                if (regex is null)
                    foreach (var w in t[i..])
                    {
                        if (!LargeCommunity.TryParse(w, out var v)) { Error($"invalid large community '{w}' (A:B:C)"); return; }
                        values.Add(v);
                    }
                var entry = new LargeCommunityListEntry(seq, action, style, values.ToEquatableArray(), regex);
                if (!_largeLists.TryGetValue(name, out var ll)) _largeLists[name] = ll = (style, []);
                if (ll.Style != style) { Error($"large-community-list {name}: cannot mix standard and expanded"); return; }
                ll.Entries.RemoveAll(e => e.Seq == seq);
                ll.Entries.Add(entry);
                return;
            }
            default:
            {
                var values = new List<ulong>();
                if (regex is null)
                {
                    for (int j = i; j < t.Length; j += 2)
                    {
                        if (j + 1 >= t.Length || !ExtCommunityText.TryParse(t[j], t[j + 1], out ulong v))
                        {
                            Error($"invalid extended community '{string.Join(' ', t[j..Math.Min(j + 2, t.Length)])}' (rt|soo ASN:NN or A.B.C.D:NN)");
                            return;
                        }
                        values.Add(v);
                    }
                }
                var entry = new ExtCommunityListEntry(seq, action, style, values.ToEquatableArray(), regex);
                if (!_extLists.TryGetValue(name, out var el)) _extLists[name] = el = (style, []);
                if (el.Style != style) { Error($"extcommunity-list {name}: cannot mix standard and expanded"); return; }
                el.Entries.RemoveAll(e => e.Seq == seq);
                el.Entries.Add(entry);
                return;
            }
        }
    }

    private void RouteMapHeader(string[] t)
    {
        if (!Arity(t, 4, 4)) return;
        if (!PolicyActionText.TryParse(t[2], out var action)) { Error($"expected 'permit' or 'deny', not '{t[2]}'"); return; }
        if (!Int(t[3], 1, 65535, "route-map sequence", out int seq)) return;
        var map = _routeMaps.TryGetValue(t[1], out var m) ? m : _routeMaps[t[1]] = [];
        map[seq] = map.TryGetValue(seq, out var e)
            ? e with { Action = action }
            : new RouteMapEntry(seq, action, EquatableArray<MatchClause>.Empty, EquatableArray<SetClause>.Empty);
        _rmName = t[1];
        _rmSeq = seq;
        _ctx = Ctx.RouteMap;
    }

    private static string ClauseKey(object clause) => clause switch
    {
        MatchPrefixList m => $"pl{m.Afi}",
        MatchNextHopPrefixList m => $"nhpl{m.Afi}",
        MatchNextHopAddress m => $"nha{m.Address.AddressFamily}",
        SetIpv6NextHop s => $"v6nh{s.Kind}",
        SetAsPathPrepend or SetAsPathPrependLastAs => "prepend",
        _ => clause.GetType().Name,
    };

    private void RouteMapLine(string[] t)
    {
        var map = _routeMaps[_rmName];
        var e = map[_rmSeq];
        string[] a = t[1..];
        switch (t[0])
        {
            case "exit":
                _ctx = Ctx.Root;
                return;
            case "match":
            {
                var clause = RouteMapSyntax.ParseMatch(a, out var err);
                if (clause is null) { ErrorFromSyntax(err!); return; }
                RefFromMatch(clause);
                string key = ClauseKey(clause);
                map[_rmSeq] = e with { Matches = e.Matches.Items.RemoveAll(x => ClauseKey(x) == key).Add(clause).ToEquatableArray() };
                return;
            }
            case "set":
            {
                var clause = RouteMapSyntax.ParseSet(a, out var err);
                if (clause is null) { ErrorFromSyntax(err!); return; }
                if (clause is SetCommListDelete cd) _refs.Add((RefKind.CommunityList, Afi.Ipv4, cd.List, _line, _command));
                if (clause is SetLargeCommListDelete ld) _refs.Add((RefKind.LargeCommunityList, Afi.Ipv4, ld.List, _line, _command));
                string key = ClauseKey(clause);
                map[_rmSeq] = e with { Sets = e.Sets.Items.RemoveAll(x => ClauseKey(x) == key).Add(clause).ToEquatableArray() };
                return;
            }
            case "on-match" when a.Length == 1 && a[0] == "next":
            case "continue" when a.Length == 0:
                map[_rmSeq] = e with { OnMatch = ExitPolicy.Next, GotoSeq = null };
                return;
            case "on-match" when a.Length == 2 && a[0] == "goto":
            case "continue" when a.Length == 1:
            {
                if (!Int(a[^1], 1, 65535, "goto sequence", out int target)) return;
                if (target <= _rmSeq) { Error($"on-match goto {target}: the target must be after this entry ({_rmSeq})"); return; }
                map[_rmSeq] = e with { OnMatch = ExitPolicy.Goto, GotoSeq = target };
                return;
            }
            case "call" when a.Length == 1:
                RefRouteMap(a[0]);
                map[_rmSeq] = e with { Call = a[0] };
                return;
            case "description" when a.Length >= 1:
                map[_rmSeq] = e with { Description = RestOf(t, 1) };
                return;
        }
        Unknown();
    }

    private void ErrorFromSyntax(string err)
    {
        if (err.StartsWith("unknown command", StringComparison.Ordinal)) Unknown();
        else Error(err);
    }

    private void RefFromMatch(MatchClause clause)
    {
        switch (clause)
        {
            case MatchPrefixList m: RefPrefixList(m.Afi, m.Name); break;
            case MatchNextHopPrefixList m: RefPrefixList(m.Afi, m.Name); break;
            case MatchCommunity m: _refs.Add((RefKind.CommunityList, Afi.Ipv4, m.List, _line, _command)); break;
            case MatchLargeCommunity m: _refs.Add((RefKind.LargeCommunityList, Afi.Ipv4, m.List, _line, _command)); break;
            case MatchExtCommunity m: _refs.Add((RefKind.ExtCommunityList, Afi.Ipv4, m.List, _line, _command)); break;
            case MatchAsPath m: RefAsPathList(m.List); break;
        }
    }

    private PolicySet BuildPolicy() => new(
        _prefixLists.Where(kv => kv.Value.Count > 0)
            .Select(kv => new PrefixList(kv.Key.Item2, kv.Key.Item1, kv.Value.OrderBy(e => e.Seq).ToEquatableArray())),
        _communityLists.Select(kv => new CommunityList(kv.Key, kv.Value.Style, kv.Value.Entries.OrderBy(e => e.Seq).ToEquatableArray())),
        _largeLists.Select(kv => new LargeCommunityList(kv.Key, kv.Value.Style, kv.Value.Entries.OrderBy(e => e.Seq).ToEquatableArray())),
        _extLists.Select(kv => new ExtCommunityList(kv.Key, kv.Value.Style, kv.Value.Entries.OrderBy(e => e.Seq).ToEquatableArray())),
        _asPathLists.Where(kv => kv.Value.Count > 0)
            .Select(kv => new AsPathAccessList(kv.Key, kv.Value.OrderBy(e => e.Seq).ToEquatableArray())),
        _routeMaps.Select(kv => new RouteMap(kv.Key, kv.Value.Values.ToEquatableArray())));
}
