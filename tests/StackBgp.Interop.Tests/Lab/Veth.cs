using System.Security.Cryptography;

namespace StackBgp.Interop.Tests.Lab;

/// <summary>
/// A veth pair between two namespaces, created directly inside them (so they get the namespace's
/// sysctl defaults) and brought up. Deleted with the namespaces.
/// </summary>
public sealed class Veth
{
    private Veth(NetNs a, string ifA, NetNs b, string ifB)
    {
        A = a;
        IfA = ifA;
        B = b;
        IfB = ifB;
    }

    public NetNs A { get; }

    public string IfA { get; }

    public NetNs B { get; }

    public string IfB { get; }

    /// <summary>Creates the pair; interface names default to short random ones (max 15 chars).</summary>
    public static Veth Create(NetNs a, NetNs b, string? ifA = null, string? ifB = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        string tag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        ifA ??= "va" + tag;
        ifB ??= "vb" + tag;
        Shell.Run("ip", "link", "add", ifA, "netns", a.Name, "type", "veth", "peer", "name", ifB, "netns", b.Name).Check();
        var v = new Veth(a, ifA, b, ifB);
        a.Ip("link", "set", ifA, "up");
        b.Ip("link", "set", ifB, "up");
        return v;
    }

    /// <summary>
    /// A numbered pair: <paramref name="v4A"/>/<paramref name="v4B"/> and/or <paramref name="v6A"/>/<paramref name="v6B"/>
    /// as CIDRs (null to leave a family out — IPv6-only when both IPv4 are null).
    /// </summary>
    public static Veth Numbered(NetNs a, NetNs b, string? v4A, string? v4B, string? v6A = null, string? v6B = null)
    {
        Veth v = Create(a, b);
        if (v4A is not null)
        {
            a.AddAddress(v.IfA, v4A);
        }

        if (v4B is not null)
        {
            b.AddAddress(v.IfB, v4B);
        }

        if (v6A is not null)
        {
            a.AddAddress(v.IfA, v6A);
        }

        if (v6B is not null)
        {
            b.AddAddress(v.IfB, v6B);
        }

        return v;
    }

    /// <summary>An unnumbered pair: no addresses except the kernel's IPv6 link-local ones (waited for).</summary>
    public static Veth LinkLocalOnly(NetNs a, NetNs b, string? ifA = null, string? ifB = null)
    {
        Veth v = Create(a, b, ifA, ifB);
        v.LinkLocalA();
        v.LinkLocalB();
        return v;
    }

    /// <summary>The IPv6 link-local address of side A (waits until the kernel assigned it).</summary>
    public string LinkLocalA() => LinkLocal(A, IfA);

    public string LinkLocalB() => LinkLocal(B, IfB);

    public void SetUp(bool sideA, bool up) =>
        (sideA ? A : B).Ip("link", "set", sideA ? IfA : IfB, up ? "up" : "down");

    private static string LinkLocal(NetNs ns, string dev) =>
        Poll.Until(
            () =>
            {
                string o = ns.Ip("-6", "-o", "addr", "show", "dev", dev, "scope", "link").Stdout;
                int i = o.IndexOf("inet6 ", StringComparison.Ordinal);
                return i < 0 ? "" : o[(i + 6)..].Split('/')[0];
            },
            s => s.StartsWith("fe80", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            $"an fe80:: address on {dev} in {ns.Name}");
}
