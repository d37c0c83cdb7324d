namespace StackBgp.Routing;

/// <summary>Result of selecting over all paths of one prefix.</summary>
public readonly record struct Selection(int Best, BestPathReason Reason, int MultipathCount);

/// <summary>
/// Runs <see cref="PathComparer"/> over all candidate paths of one prefix, the way FRR walks its path
/// list: the running best is compared with each path in order (callers pass newest first, like FRR's
/// list), the reason kept is the one of the last comparison. With deterministic-med, the best of each
/// neighbouring-AS group is chosen first and only group winners compete (RFC 4271 §9.1.2.2 c says MED
/// is only meaningful inside a group; FRR's <c>bgp deterministic-med</c>).
/// </summary>
public static class BestPathSelector
{
    /// <summary>
    /// Selects the best path among <paramref name="paths"/> and marks the multipath set (including the
    /// best) in <paramref name="multipath"/>. Returns Best = -1 when there are no paths.
    /// </summary>
    public static Selection Select(ReadOnlySpan<PathView> paths, BestPathOptions options, MaxPaths maxPaths, Span<bool> multipath)
    {
        ArgumentNullException.ThrowIfNull(options);
        multipath[..paths.Length].Clear();
        if (paths.IsEmpty) return new(-1, BestPathReason.None, 0);
        if (paths.Length == 1)
        {
            multipath[0] = true;
            return new(0, BestPathReason.FirstPath, 1);
        }

        int best = -1;
        var reason = BestPathReason.FirstPath;
        if (options.DeterministicMed)
        {
            // Group winners: for each path, is it the best of its neighbouring-AS group?
            Span<bool> winner = paths.Length <= 256 ? stackalloc bool[paths.Length] : new bool[paths.Length];
            Span<uint> neighborAs = paths.Length <= 256 ? stackalloc uint[paths.Length] : new uint[paths.Length];
            winner.Clear();
            for (int i = 0; i < paths.Length; i++) neighborAs[i] = paths[i].NeighborAs;
            for (int i = 0; i < paths.Length; i++)
            {
                uint asn = neighborAs[i];
                int groupBest = -1;
                for (int j = 0; j < paths.Length; j++)
                {
                    if (neighborAs[j] != asn) continue;
                    if (j < i) { groupBest = -2; break; } // group already handled at its first member
                    if (groupBest < 0) groupBest = j;
                    else
                    {
                        // FRR keeps the reason of the last comparison made, group comparisons included.
                        var gc = PathComparer.Compare(paths[groupBest], paths[j], options);
                        reason = gc.Reason;
                        if (!gc.FirstWins) groupBest = j;
                    }
                }
                if (groupBest >= 0) winner[groupBest] = true;
            }
            for (int i = 0; i < paths.Length; i++)
            {
                if (!winner[i]) continue;
                if (best < 0) { best = i; continue; }
                var c = PathComparer.Compare(paths[best], paths[i], options);
                reason = c.Reason;
                if (!c.FirstWins) best = i;
            }
        }
        else
        {
            best = 0;
            for (int i = 1; i < paths.Length; i++)
            {
                var c = PathComparer.Compare(paths[best], paths[i], options);
                reason = c.Reason;
                if (!c.FirstWins) best = i;
            }
        }

        multipath[best] = true;
        int count = 1;
        int max = paths[best].Kind == PeerKind.External ? maxPaths.Ebgp : paths[best].Kind == PeerKind.Internal ? maxPaths.Ibgp : 1;
        for (int i = 0; i < paths.Length && count < max; i++)
        {
            if (i == best) continue;
            if (PathComparer.Compare(paths[best], paths[i], options).MultipathEqual)
            {
                multipath[i] = true;
                count++;
            }
        }
        return new(best, reason, count);
    }
}
