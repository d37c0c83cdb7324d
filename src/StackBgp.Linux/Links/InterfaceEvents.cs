using System.Net;

namespace StackBgp.Linux.Links;

/// <summary>A change seen by the <see cref="LinkWatcher"/>.</summary>
public abstract record InterfaceEvent(int IfIndex, string IfName);

/// <summary>The link became usable (IFF_UP and IFF_RUNNING), or was first seen usable.</summary>
public sealed record LinkUp(int IfIndex, string IfName, LinkOperState OperState, InterfaceFlags Flags) : InterfaceEvent(IfIndex, IfName);

/// <summary>The link stopped being usable, was first seen not usable, or was removed.</summary>
public sealed record LinkDown(int IfIndex, string IfName, LinkOperState OperState, InterfaceFlags Flags, bool Removed = false) : InterfaceEvent(IfIndex, IfName);

/// <summary>Base of the address events: which address, with its prefix length, scope and flags.</summary>
public abstract record AddressEvent(int IfIndex, string IfName, IPAddress Address, int PrefixLength, byte Scope, AddressFlags Flags)
    : InterfaceEvent(IfIndex, IfName)
{
    public InterfaceAddress ToInterfaceAddress() => new(IfIndex, IfName, Address, PrefixLength, Scope, Flags);
}

/// <summary>A new address on an interface (or one present at start).</summary>
public sealed record AddressAdded(int IfIndex, string IfName, IPAddress Address, int PrefixLength, byte Scope, AddressFlags Flags)
    : AddressEvent(IfIndex, IfName, Address, PrefixLength, Scope, Flags);

/// <summary>An address's flags changed (e.g. an IPv6 address finished duplicate address detection:
/// "tentative" cleared).</summary>
public sealed record AddressChanged(int IfIndex, string IfName, IPAddress Address, int PrefixLength, byte Scope, AddressFlags Flags)
    : AddressEvent(IfIndex, IfName, Address, PrefixLength, Scope, Flags);

public sealed record AddressRemoved(int IfIndex, string IfName, IPAddress Address, int PrefixLength, byte Scope, AddressFlags Flags)
    : AddressEvent(IfIndex, IfName, Address, PrefixLength, Scope, Flags);
