namespace StackBgp.Routing;

/// <summary>Shared rule of the RIB's open-addressing tables (linear probing, backward-shift deletion).</summary>
internal static class LinearProbing
{
    /// <summary>
    /// Whether the member at slot <paramref name="j"/>, whose home slot is <paramref name="home"/>, may move
    /// back into the hole at <paramref name="hole"/> (earlier in the same probe run, wrapping around): true
    /// when its home is not cyclically in (hole, j], so that a lookup starting at home still reaches it.
    /// </summary>
    public static bool CanFill(int hole, int j, int home) =>
        hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
}
