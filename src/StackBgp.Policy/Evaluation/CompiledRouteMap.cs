using System.Net;
using StackBgp.Wire;

namespace StackBgp.Policy;

/// <summary>A route-map with jump targets resolved and per-clause constants precomputed.</summary>
internal sealed class CompiledRouteMap
{
    public CompiledRouteMap(RouteMap map)
    {
        Name = map.Name;
        var entries = map.Entries.Items;
        Entries = new Entry[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            int gotoIndex = -1;
            if (e.OnMatch == ExitPolicy.Goto)
            {
                gotoIndex = entries.Length; // past the end: no entry with seq >= N
                for (int j = i + 1; j < entries.Length; j++)
                    if (entries[j].Seq >= e.GotoSeq) { gotoIndex = j; break; }
            }
            var aux = new object?[e.Matches.Count];
            for (int k = 0; k < aux.Length; k++)
            {
                aux[k] = e.Matches[k] switch
                {
                    MatchPeer p when IPAddress.TryParse(p.Peer, out var ip) => ip,
                    MatchNextHopAddress n => (object)NextHop.FromAddress(n.Address),
                    _ => null,
                };
            }
            Entries[i] = new Entry(e, [.. e.Matches], aux, [.. e.Sets], gotoIndex, $"route-map {map.Name} deny {e.Seq}");
        }
        ImplicitDeny = $"route-map {map.Name} (no entry matched: implicit deny)";
    }

    public string Name { get; }

    public Entry[] Entries { get; }

    public string ImplicitDeny { get; }

    internal sealed record Entry(RouteMapEntry Source, MatchClause[] Matches, object?[] Aux, SetClause[] Sets, int GotoIndex, string DenyText);
}
