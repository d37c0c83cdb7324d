namespace StackBgp.Linux.Netlink;

// Values from the Linux UAPI headers (linux/netlink.h, linux/rtnetlink.h, linux/if_addr.h,
// linux/neighbour.h, linux/if_link.h). Only what this project uses.

internal static class Nl
{
    public const int AfNetlink = 16;
    public const int NetlinkRoute = 0;
    public const int SolNetlink = 270;

    // socket options at SOL_NETLINK
    public const int AddMembership = 1;
    public const int CapAck = 10;
    public const int ExtAck = 11;

    // nlmsghdr
    public const int HeaderLength = 16;
    public const int AttrHeaderLength = 4;

    // nlmsg_type control values
    public const ushort Noop = 1;
    public const ushort Error = 2;
    public const ushort Done = 3;
    public const ushort Overrun = 4;

    // nlmsg_flags
    public const ushort FRequest = 0x01;
    public const ushort FMulti = 0x02;
    public const ushort FAck = 0x04;
    public const ushort FDumpIntr = 0x10;
    public const ushort FRoot = 0x100;
    public const ushort FMatch = 0x200;
    public const ushort FDump = FRoot | FMatch;
    public const ushort FReplace = 0x100;
    public const ushort FExcl = 0x200;
    public const ushort FCreate = 0x400;
    public const ushort FAppend = 0x800;
    public const ushort FCapped = 0x100;   // in an ACK: the original request was not copied back
    public const ushort FAckTlvs = 0x200;  // in an ACK: extended-ack attributes follow

    // NLMSGERR_ATTR_*
    public const ushort ErrAttrMsg = 1;
    public const ushort ErrAttrOffs = 2;

    public const ushort AttrTypeMask = 0x3fff;

    public static int Align(int length) => (length + 3) & ~3;
}

internal static class Rtm
{
    public const ushort NewLink = 16;
    public const ushort DelLink = 17;
    public const ushort GetLink = 18;
    public const ushort NewAddr = 20;
    public const ushort DelAddr = 21;
    public const ushort GetAddr = 22;
    public const ushort NewRoute = 24;
    public const ushort DelRoute = 25;
    public const ushort GetRoute = 26;
    public const ushort NewNeigh = 28;
    public const ushort DelNeigh = 29;
    public const ushort GetNeigh = 30;
    public const ushort NewNexthop = 104;
    public const ushort DelNexthop = 105;
    public const ushort GetNexthop = 106;

    // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags(u32)
    public const int RtMsgLength = 12;

    // rtm_flags
    public const uint FNotify = 0x100;
    public const uint FCloned = 0x200;
    public const uint FLookupTable = 0x1000;
    public const uint FFibMatch = 0x2000;
}

/// <summary>Multicast groups (RTNLGRP_*), joined with NETLINK_ADD_MEMBERSHIP.</summary>
internal static class RtnlGroup
{
    public const int Link = 1;
    public const int Neigh = 3;
    public const int Ipv4IfAddr = 5;
    public const int Ipv4Route = 7;
    public const int Ipv6IfAddr = 9;
    public const int Ipv6Route = 11;
    public const int Nexthop = 32;
}

internal static class Rta
{
    public const ushort Dst = 1;
    public const ushort Src = 2;
    public const ushort Iif = 3;
    public const ushort Oif = 4;
    public const ushort Gateway = 5;
    public const ushort Priority = 6;
    public const ushort PrefSrc = 7;
    public const ushort Metrics = 8;
    public const ushort Multipath = 9;
    public const ushort Table = 15;
    public const ushort Via = 18;
    public const ushort NhId = 30;

    // struct rtnexthop: len(u16), flags(u8), hops(u8), ifindex(i32)
    public const int RtNextHopLength = 8;
}

internal static class RtTable
{
    public const int Unspec = 0;
    public const int Main = 254;
    public const int Local = 255;
}

internal static class RtScope
{
    public const byte Universe = 0;
    public const byte Link = 253;
    public const byte Host = 254;
    public const byte Nowhere = 255;
}

internal static class Ifla
{
    public const ushort Address = 1;
    public const ushort IfName = 3;
    public const ushort Mtu = 4;
    public const ushort OperState = 16;

    // struct ifinfomsg: family(u8), pad(u8), type(u16), index(i32), flags(u32), change(u32)
    public const int IfInfoMsgLength = 16;
}

internal static class Ifa
{
    public const ushort Address = 1;
    public const ushort Local = 2;
    public const ushort Label = 3;
    public const ushort Flags = 8;

    // struct ifaddrmsg: family(u8), prefixlen(u8), flags(u8), scope(u8), index(u32)
    public const int IfAddrMsgLength = 8;
}

internal static class Nda
{
    public const ushort Dst = 1;
    public const ushort LlAddr = 2;

    // struct ndmsg: family(u8), pad1(u8), pad2(u16), ifindex(i32), state(u16), flags(u8), type(u8)
    public const int NdMsgLength = 12;
}

internal static class Af
{
    public const byte Unspec = 0;
    public const byte Inet = 2;
    public const byte Inet6 = 10;
}
