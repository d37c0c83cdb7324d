using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static StackBgp.Bfd.Linux.LinuxNative;

namespace StackBgp.Bfd.Linux;

/// <summary>What one recvmsg returned, besides the payload.</summary>
internal struct BfdDatagramInfo
{
    public int Length;
    public int Ttl;
    public int IfIndex;
    public BfdAddress Source;
    public BfdAddress Destination;
    public bool Truncated;
    /// <summary>Kernel arrival time (CLOCK_REALTIME ns) when timestamps are on, else 0.</summary>
    public long KernelTimeNs;
}

/// <summary>
/// A shared receive socket: UDP 3784 (RFC 5881 single-hop) or 4784 (RFC 5883 multihop) for one
/// family, bound to the wildcard address, with the received TTL / hop limit and packet info
/// delivered as control messages. Buffers are native and allocated once; receiving allocates nothing.
/// </summary>
internal sealed unsafe class BfdReceiveSocket : IDisposable
{
    public const int SingleHopPort = 3784;
    public const int MultihopPort = 4784;
    private const int DataSize = 256;
    private const int ControlSize = 256;

    private readonly Socket _socket;
    private readonly byte* _data;
    private readonly byte* _name;
    private readonly byte* _control;
    private readonly Msghdr* _msg;
    private readonly Iovec* _iov;

    public BfdReceiveSocket(bool ipv6, bool multihop, bool timestamps = false)
    {
        IsV6 = ipv6;
        Multihop = multihop;
        _socket = new Socket(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            SetInt(SOL_SOCKET, SO_REUSEADDR, 1);
            if (timestamps) SetInt(SOL_SOCKET, SO_TIMESTAMPNS, 1);
            if (ipv6)
            {
                SetInt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
                SetInt(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
                SetInt(IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
            }
            else
            {
                SetInt(IPPROTO_IP, IP_RECVTTL, 1);
                SetInt(IPPROTO_IP, IP_PKTINFO, 1);
            }
            _socket.Bind(new IPEndPoint(ipv6 ? IPAddress.IPv6Any : IPAddress.Any, multihop ? MultihopPort : SingleHopPort));
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        Fd = (int)_socket.Handle;
        _data = (byte*)NativeMemory.AllocZeroed(DataSize);
        _name = (byte*)NativeMemory.AllocZeroed(32);
        _control = (byte*)NativeMemory.AllocZeroed(ControlSize);
        _msg = (Msghdr*)NativeMemory.AllocZeroed((nuint)sizeof(Msghdr));
        _iov = (Iovec*)NativeMemory.AllocZeroed((nuint)sizeof(Iovec));
        _iov->Base = _data;
        _iov->Length = DataSize;
    }

    public int Fd { get; }
    public bool IsV6 { get; }
    public bool Multihop { get; }

    /// <summary>The payload of the last datagram received.</summary>
    public ReadOnlySpan<byte> Data(int length) => new(_data, length);

    /// <summary>Receives one datagram without blocking; false when none is queued.</summary>
    public bool TryReceive(out BfdDatagramInfo info)
    {
        info = default;
        _msg->Name = _name;
        _msg->NameLength = 32;
        _msg->Iov = _iov;
        _msg->IovLength = 1;
        _msg->Control = _control;
        _msg->ControlLength = ControlSize;
        _msg->Flags = 0;
        nint n = RecvMsg(Fd, _msg, MSG_DONTWAIT);
        if (n < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) return TryReceive(out info);
            return false;
        }
        info.Length = (int)n;
        info.Truncated = (_msg->Flags & MSG_TRUNC) != 0;
        info.Ttl = -1;
        info.Source = IsV6
            ? BfdAddress.FromV6(new ReadOnlySpan<byte>(_name + 8, 16))
            : BfdAddress.FromV4(new ReadOnlySpan<byte>(_name + 4, 4));
        ParseControl(ref info);
        return true;
    }

    /// <summary>Walks the cmsghdr list (CMSG_FIRSTHDR / CMSG_NXTHDR) for TTL and packet info.</summary>
    private void ParseControl(ref BfdDatagramInfo info)
    {
        nuint total = _msg->ControlLength;
        nuint align = (nuint)sizeof(nuint);
        nuint header = (nuint)sizeof(Cmsghdr);
        nuint offset = 0;
        while (offset + header <= total)
        {
            var cmsg = (Cmsghdr*)(_control + offset);
            if (cmsg->Length < header || offset + cmsg->Length > total) break;
            byte* payload = (byte*)cmsg + ((header + align - 1) & ~(align - 1));
            if (cmsg->Level == IPPROTO_IP && cmsg->Type == IP_TTL) info.Ttl = *(int*)payload;
            else if (cmsg->Level == SOL_SOCKET && cmsg->Type == SO_TIMESTAMPNS) info.KernelTimeNs = ((Timespec*)payload)->Seconds * 1_000_000_000 + ((Timespec*)payload)->Nanoseconds;
            else if (cmsg->Level == IPPROTO_IPV6 && cmsg->Type == IPV6_HOPLIMIT) info.Ttl = *(int*)payload;
            else if (cmsg->Level == IPPROTO_IP && cmsg->Type == IP_PKTINFO)
            {
                // struct in_pktinfo { int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr; }
                info.IfIndex = *(int*)payload;
                info.Destination = BfdAddress.FromV4(new ReadOnlySpan<byte>(payload + 8, 4));
            }
            else if (cmsg->Level == IPPROTO_IPV6 && cmsg->Type == IPV6_PKTINFO)
            {
                // struct in6_pktinfo { in6_addr ipi6_addr; unsigned ipi6_ifindex; }
                info.Destination = BfdAddress.FromV6(new ReadOnlySpan<byte>(payload, 16));
                info.IfIndex = *(int*)(payload + 16);
            }
            offset += (cmsg->Length + align - 1) & ~(align - 1);
        }
    }

    private void SetInt(int level, int name, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        MemoryMarshal.Write(bytes, in value);
        _socket.SetRawSocketOption(level, name, bytes);
    }

    public void Dispose()
    {
        _socket.Dispose();
        NativeMemory.Free(_data);
        NativeMemory.Free(_name);
        NativeMemory.Free(_control);
        NativeMemory.Free(_msg);
        NativeMemory.Free(_iov);
    }
}
