using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace StackBgp.Linux.Netlink;

/// <summary>
/// One NETLINK_ROUTE socket: created (optionally inside a network namespace) with libc, then
/// wrapped in a <see cref="Socket"/> so that receives are asynchronous (epoll) and disposal
/// wakes a pending receive. Not thread-safe: one owner sends and receives.
/// </summary>
internal sealed class NetlinkSocket : IDisposable
{
    // Dump datagrams are at most 32 KiB (the kernel caps them), notifications and ACKs are small.
    private const int ReceiveBufferSize = 64 * 1024;
    private readonly Socket _socket;
    private readonly byte[] _receiveBuffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);

    private NetlinkSocket(Socket socket, uint portId, int kernelReceiveBuffer)
    {
        _socket = socket;
        PortId = portId;
        KernelReceiveBuffer = kernelReceiveBuffer;
    }

    /// <summary>The port id the kernel assigned at bind (nlmsg_pid of our requests and of the
    /// notifications they cause).</summary>
    public uint PortId { get; }

    /// <summary>SO_RCVBUF as the kernel reports it (bounds how many ACKs one batch may produce).</summary>
    public int KernelReceiveBuffer { get; }

    public nint Handle => _socket.Handle;

    /// <summary>Opens a NETLINK_ROUTE socket in <paramref name="netns"/> (null = current),
    /// joined to <paramref name="groups"/> (RTNLGRP_* numbers).</summary>
    public static unsafe NetlinkSocket Open(string? netns, ReadOnlySpan<int> groups, int receiveBufferBytes = 8 << 20)
    {
        int fd = NetNamespace.Run(netns, () => Native.socket(Nl.AfNetlink, Native.SockRaw | Native.SockCloexec, Nl.NetlinkRoute));
        if (fd < 0)
        {
            throw new IOException("socket(AF_NETLINK) failed: " + Errno.Name(Marshal.GetLastPInvokeError()));
        }

        Socket socket;
        try
        {
            socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        }
        catch
        {
            _ = Native.close(fd);
            throw;
        }

        try
        {
            nint h = socket.Handle;
            // Large buffers: a batch's ACKs and a burst of notifications must fit. The FORCE
            // variants need CAP_NET_ADMIN; without it the plain ones are capped by rmem_max.
            if (Native.SetInt(h, Native.SolSocket, Native.SoRcvBufForce, receiveBufferBytes) != 0)
            {
                _ = Native.SetInt(h, Native.SolSocket, Native.SoRcvBuf, receiveBufferBytes);
            }

            if (Native.SetInt(h, Native.SolSocket, Native.SoSndBufForce, 4 << 20) != 0)
            {
                _ = Native.SetInt(h, Native.SolSocket, Native.SoSndBuf, 4 << 20);
            }

            // ACKs carry only the request header (not the whole request) plus the kernel's
            // error text; both are optional features, so failures are ignored.
            _ = Native.SetInt(h, Nl.SolNetlink, Nl.CapAck, 1);
            _ = Native.SetInt(h, Nl.SolNetlink, Nl.ExtAck, 1);

            byte* sa = stackalloc byte[12];
            new Span<byte>(sa, 12).Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(sa, 2), Nl.AfNetlink);
            if (Native.bind(h, sa, 12) != 0)
            {
                throw new IOException("bind(AF_NETLINK) failed: " + Errno.Name(Marshal.GetLastPInvokeError()));
            }

            int length = 12;
            if (Native.getsockname(h, sa, &length) != 0)
            {
                throw new IOException("getsockname(AF_NETLINK) failed: " + Errno.Name(Marshal.GetLastPInvokeError()));
            }

            uint portId = BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(sa + 4, 4));
            foreach (int group in groups)
            {
                if (Native.SetInt(h, Nl.SolNetlink, Nl.AddMembership, group) != 0)
                {
                    throw new IOException($"joining rtnetlink group {group} failed: " + Errno.Name(Marshal.GetLastPInvokeError()));
                }
            }

            int rcv = Native.GetInt(h, Native.SolSocket, Native.SoRcvBuf);
            return new NetlinkSocket(socket, portId, rcv > 0 ? rcv : 212992);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Attaches a classic BPF socket filter (see <see cref="Native.AttachFilter"/>).</summary>
    public void AttachFilter(ReadOnlySpan<(ushort Code, byte Jt, byte Jf, uint K)> program) => Native.AttachFilter(_socket.Handle, program);

    /// <summary>Sends one datagram (one or more netlink messages) to the kernel.</summary>
    public void Send(ReadOnlySpan<byte> datagram)
    {
        int sent = _socket.Send(datagram, SocketFlags.None);
        if (sent != datagram.Length)
        {
            throw new IOException($"netlink send wrote {sent} of {datagram.Length} bytes");
        }
    }

    /// <summary>Receives one datagram; the returned memory is valid until the next receive.
    /// A kernel-side overrun (ENOBUFS: notifications were dropped) surfaces as
    /// <see cref="NetlinkOverrunException"/>.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            int n = await _socket.ReceiveAsync(_receiveBuffer.AsMemory(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            return _receiveBuffer.AsMemory(0, n);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.NoBufferSpaceAvailable)
        {
            throw new NetlinkOverrunException(ex);
        }
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>The kernel dropped messages for this socket (ENOBUFS): state must be re-read.</summary>
public sealed class NetlinkOverrunException : IOException
{
    public NetlinkOverrunException()
        : base("netlink receive buffer overrun (ENOBUFS): messages were lost")
    {
    }

    public NetlinkOverrunException(Exception inner)
        : base("netlink receive buffer overrun (ENOBUFS): messages were lost", inner)
    {
    }

    public NetlinkOverrunException(string message) : base(message)
    {
    }

    public NetlinkOverrunException(string message, Exception inner) : base(message, inner)
    {
    }
}
