using StackBgp.Interop.Tests.Lab;

namespace StackBgp.Interop.Tests.StackBgp;

/// <summary>Reads a namespace's kernel route to a /32 as `ip route` prints it.</summary>
internal static class KernelNextHops
{
    /// <summary>Every "via" address of the route (dead ones included, sorted; empty when there is no route).</summary>
    public static IReadOnlyList<string> Of(NetNs ns, string address)
    {
        string route = ns.Ip("route", "show", address + "/32").Stdout;
        var hops = new List<string>();
        string[] words = route.Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i + 1 < words.Length; i++)
        {
            if (words[i] == "via")
            {
                hops.Add(words[i + 1]);
            }
        }

        hops.Sort(StringComparer.Ordinal);
        return hops;
    }

    /// <summary>The route text (for messages and the "dead" check).</summary>
    public static string Text(NetNs ns, string address) => ns.Ip("route", "show", address + "/32").Stdout.Trim();

    /// <summary>True when the route has exactly <paramref name="expected"/> next hops and none is dead.</summary>
    public static bool Are(NetNs ns, string address, params string[] expected)
    {
        string text = Text(ns, address);
        return !text.Contains("dead", StringComparison.Ordinal) && Of(ns, address).SequenceEqual(expected.Order(StringComparer.Ordinal));
    }
}
