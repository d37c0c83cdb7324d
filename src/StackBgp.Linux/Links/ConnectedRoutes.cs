using System.Net;
using System.Net.Sockets;

namespace StackBgp.Linux.Links;

/// <summary>
/// `redistribute connected` the way zebra does it: which interface addresses give a connected
/// prefix, and which prefix. Excluded: IPv4 0/8, 127/8 (loopback), 169.254/16 (link-local),
/// 224/4 multicast, 255.255.255.255; IPv6 ::, ::1, fe80::/10, ff00::/8, and IPv6 addresses
/// still tentative or whose duplicate address detection failed.
/// </summary>
public static class ConnectedRoutes
{
    public static bool IsExcluded(IPAddress address, AddressFlags flags = AddressFlags.None)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> b = stackalloc byte[16];
        _ = address.TryWriteBytes(b, out int n);
        if (n == 4)
        {
            return b[0] == 0 || b[0] == 127 || (b[0] == 169 && b[1] == 254) || b[0] >= 224;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return true;
        }

        bool unspecifiedOrLoopback = b[..15].IndexOfAnyExcept((byte)0) < 0 && b[15] <= 1;
        return unspecifiedOrLoopback
            || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
            || b[0] == 0xff
            || (flags & (AddressFlags.Tentative | AddressFlags.DadFailed)) != 0;
    }

    /// <summary>The network of an address: 10.0.0.1/24 → 10.0.0.0/24; a /32 (a VIP on lo) → the
    /// host route itself.</summary>
    public static IPNetwork PrefixOf(IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> b = stackalloc byte[16];
        _ = address.TryWriteBytes(b, out int n);
        int bits = n * 8;
        prefixLength = Math.Clamp(prefixLength, 0, bits);
        for (int i = 0; i < n; i++)
        {
            int keep = Math.Clamp(prefixLength - (i * 8), 0, 8);
            b[i] &= (byte)(0xff << (8 - keep));
        }

        return new IPNetwork(new IPAddress(b[..n]), prefixLength);
    }

    /// <summary>The connected prefix an address gives, or null if zebra's rules exclude it.</summary>
    public static IPNetwork? TryGetConnectedPrefix(InterfaceAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return IsExcluded(address.Address, address.Flags) ? null : PrefixOf(address.Address, address.PrefixLength);
    }
}

/// <summary>A connected prefix on an interface (what `redistribute connected` announces).</summary>
public sealed record ConnectedPrefix(IPNetwork Prefix, int IfIndex, string IfName)
{
    public bool IsIpv6 => Prefix.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
}

/// <summary>Added = announce, otherwise withdraw.</summary>
public sealed record ConnectedPrefixChange(bool Added, ConnectedPrefix Connected);

/// <summary>
/// Turns <see cref="LinkWatcher"/> events into connected-prefix announcements and withdrawals:
/// a prefix is announced while at least one eligible address gives it on an interface that is
/// up; link down withdraws the interface's prefixes, link up restores them. Pure (no I/O, not
/// thread-safe): the owner feeds events in order. Per interface, so route-maps can
/// `match interface`.
/// </summary>
public sealed class ConnectedPrefixTracker
{
    private readonly Dictionary<int, Interface> _interfaces = [];

    /// <summary>The prefixes announced now.</summary>
    public IReadOnlyList<ConnectedPrefix> Current =>
        _interfaces.Values.SelectMany(i => Announced(i).Select(p => new ConnectedPrefix(p, i.Index, i.Name))).ToList();

    public IReadOnlyList<ConnectedPrefixChange> Apply(InterfaceEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (!_interfaces.TryGetValue(e.IfIndex, out Interface? i))
        {
            _interfaces[e.IfIndex] = i = new Interface(e.IfIndex);
        }

        HashSet<IPNetwork> before = Announced(i);
        i.Name = e.IfName.Length > 0 ? e.IfName : i.Name;
        switch (e)
        {
            case LinkUp:
                i.Up = true;
                break;
            case LinkDown down:
                i.Up = false;
                if (down.Removed)
                {
                    i.Prefixes.Clear();
                }

                break;
            case AddressAdded or AddressChanged:
            {
                var a = (AddressEvent)e;
                var key = new IPAddressKey(a.Address);
                _ = i.Prefixes.Remove(key);
                if (ConnectedRoutes.TryGetConnectedPrefix(a.ToInterfaceAddress()) is { } prefix)
                {
                    i.Prefixes[key] = prefix;
                }

                break;
            }

            case AddressRemoved r:
                _ = i.Prefixes.Remove(new IPAddressKey(r.Address));
                break;
        }

        HashSet<IPNetwork> after = Announced(i);
        var changes = new List<ConnectedPrefixChange>();
        foreach (IPNetwork p in before.Where(p => !after.Contains(p)))
        {
            changes.Add(new ConnectedPrefixChange(false, new ConnectedPrefix(p, i.Index, i.Name)));
        }

        foreach (IPNetwork p in after.Where(p => !before.Contains(p)))
        {
            changes.Add(new ConnectedPrefixChange(true, new ConnectedPrefix(p, i.Index, i.Name)));
        }

        if (e is LinkDown { Removed: true })
        {
            _ = _interfaces.Remove(e.IfIndex);
        }

        return changes;
    }

    private static HashSet<IPNetwork> Announced(Interface i) => i.Up ? [.. i.Prefixes.Values] : [];

    private sealed class Interface(int index)
    {
        public int Index { get; } = index;
        public string Name { get; set; } = "";
        public bool Up { get; set; }
        public Dictionary<IPAddressKey, IPNetwork> Prefixes { get; } = [];
    }
}
