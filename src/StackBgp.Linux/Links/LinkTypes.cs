using System.Net;

namespace StackBgp.Linux.Links;

/// <summary>IFF_* interface flags (linux/if.h).</summary>
[Flags]
public enum InterfaceFlags : uint
{
    None = 0,
    Up = 0x1,
    Broadcast = 0x2,
    Loopback = 0x8,
    PointToPoint = 0x10,
    Running = 0x40,
    NoArp = 0x80,
    Promiscuous = 0x100,
    Multicast = 0x1000,
    LowerUp = 0x10000,
    Dormant = 0x20000,
}

/// <summary>RFC 2863 operational state (IFLA_OPERSTATE).</summary>
public enum LinkOperState : byte
{
    Unknown = 0,
    NotPresent = 1,
    Down = 2,
    LowerLayerDown = 3,
    Testing = 4,
    Dormant = 5,
    Up = 6,
}

/// <summary>IFA_F_* address flags (linux/if_addr.h).</summary>
[Flags]
public enum AddressFlags : uint
{
    None = 0,
    Secondary = 0x1,
    NoDad = 0x2,
    Optimistic = 0x4,
    DadFailed = 0x8,
    HomeAddress = 0x10,
    Deprecated = 0x20,
    Tentative = 0x40,
    Permanent = 0x80,
    ManageTempAddress = 0x100,
    NoPrefixRoute = 0x200,
    MulticastAutoJoin = 0x400,
    StablePrivacy = 0x800,
}

/// <summary>NUD_* neighbor states (linux/neighbour.h).</summary>
[Flags]
public enum NeighborState : ushort
{
    None = 0,
    Incomplete = 0x1,
    Reachable = 0x2,
    Stale = 0x4,
    Delay = 0x8,
    Probe = 0x10,
    Failed = 0x20,
    NoArp = 0x40,
    Permanent = 0x80,
}

/// <summary>A network interface as the kernel reports it.</summary>
public sealed record LinkInfo(int IfIndex, string Name, InterfaceFlags Flags, LinkOperState OperState, int Mtu)
{
    /// <summary>The hardware address (IFLA_ADDRESS) as colon-separated hex, e.g. "02:00:5e:10:00:01".</summary>
    public string? LinkLayerAddress { get; init; }

    /// <summary>Usable for forwarding: administratively up and with carrier (IFF_UP and
    /// IFF_RUNNING, zebra's "operative"); `lo` is running once it is up.</summary>
    public bool IsUp => (Flags & (InterfaceFlags.Up | InterfaceFlags.Running)) == (InterfaceFlags.Up | InterfaceFlags.Running);
}

/// <summary>An address on an interface (`ip addr`): address, prefix length, scope, flags.</summary>
public sealed record InterfaceAddress(int IfIndex, string? IfName, IPAddress Address, int PrefixLength, byte Scope, AddressFlags Flags)
{
    /// <summary>Still in duplicate address detection, or DAD failed: not usable (IPv6).</summary>
    public bool IsTentativeOrFailed => (Flags & (AddressFlags.Tentative | AddressFlags.DadFailed)) != 0;

    public override string ToString() => $"{Address}/{PrefixLength} dev {IfName ?? IfIndex.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>A neighbor cache entry (`ip neigh`).</summary>
public sealed record NeighborEntry(int IfIndex, IPAddress Address, string? LinkLayerAddress, NeighborState State, byte Flags)
{
    /// <summary>NTF_ROUTER: the neighbor announced itself as a router (IPv6 ND).</summary>
    public bool IsRouter => (Flags & 0x80) != 0;
}

/// <summary>One interface in the current snapshot, with its addresses.</summary>
public sealed record InterfaceState(LinkInfo Link, IReadOnlyList<InterfaceAddress> Addresses)
{
    public int IfIndex => Link.IfIndex;
    public string Name => Link.Name;
    public bool IsUp => Link.IsUp;
}
