using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using static StackBgp.Bfd.Linux.LinuxNative;

namespace StackBgp.Bfd.Linux;

/// <summary>
/// The per-session sending socket (RFC 5881 §4, RFC 5883 §2): bound to the local address (when
/// given) and a source port from 49152–65535 that stays the same for the session's life,
/// TTL / hop limit 255, optionally bound to an interface. Sends with sendto and a pre-built
/// destination sockaddr, so transmitting allocates nothing and never throws.
/// </summary>
internal sealed unsafe class BfdTransmitSocket : IDisposable
{
    public const int MinSourcePort = 49152;
    public const int MaxSourcePort = 65535;

    private readonly Socket _socket;
    private readonly byte* _destination;
    private readonly uint _destinationLength;
    private readonly int _fd;

    public BfdTransmitSocket(IPAddress peer, IPAddress? local, string? interfaceName, int interfaceIndex, bool multihop, Func<double> random)
    {
        bool v6 = peer.AddressFamily == AddressFamily.InterNetworkV6;
        _socket = new Socket(peer.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (interfaceName is not null)
            {
                _socket.SetRawSocketOption(SOL_SOCKET, SO_BINDTODEVICE, Encoding.ASCII.GetBytes(interfaceName + "\0"));
            }
            int ttl = 255;
            Span<byte> value = stackalloc byte[4];
            MemoryMarshal.Write(value, in ttl);
            if (v6) _socket.SetRawSocketOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, value);
            else _socket.SetRawSocketOption(IPPROTO_IP, IP_TTL, value);
            SourcePort = BindSourcePort(local, v6, interfaceIndex, random);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        _fd = (int)_socket.Handle;

        int port = multihop ? BfdReceiveSocket.MultihopPort : BfdReceiveSocket.SingleHopPort;
        long scope = v6 && peer.IsIPv6LinkLocal && peer.ScopeId == 0 ? interfaceIndex : v6 ? peer.ScopeId : 0;
        var endpoint = v6 ? new IPEndPoint(new IPAddress(peer.GetAddressBytes(), scope), port) : new IPEndPoint(peer, port);
        var socketAddress = endpoint.Serialize();
        _destinationLength = (uint)socketAddress.Size;
        _destination = (byte*)NativeMemory.AllocZeroed(32);
        socketAddress.Buffer.Span[..socketAddress.Size].CopyTo(new Span<byte>(_destination, 32));
        // Connected, so io_uring SEND needs no address; sendto with the address still works.
        _socket.Connect(endpoint);
    }

    public int SourcePort { get; }

    /// <summary>The socket descriptor (connected to the peer, for kernel-timed sends).</summary>
    public int Fd => _fd;

    /// <summary>Sends one packet; returns 0 or the errno of a failed send (never throws).</summary>
    public int Send(ReadOnlySpan<byte> packet)
    {
        fixed (byte* p = packet)
        {
            nint n = SendTo(_fd, p, (nuint)packet.Length, MSG_DONTWAIT, _destination, _destinationLength);
            return n < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
    }

    private int BindSourcePort(IPAddress? local, bool v6, int interfaceIndex, Func<double> random)
    {
        var address = local ?? (v6 ? IPAddress.IPv6Any : IPAddress.Any);
        if (v6 && address.IsIPv6LinkLocal && address.ScopeId == 0 && interfaceIndex != 0)
        {
            address = new IPAddress(address.GetAddressBytes(), interfaceIndex);
        }
        const int span = MaxSourcePort - MinSourcePort + 1;
        int start = MinSourcePort + (int)(random() * span) % span;
        for (int i = 0; i < 256; i++)
        {
            int port = MinSourcePort + (start - MinSourcePort + i * 7919) % span;
            try
            {
                _socket.Bind(new IPEndPoint(address, port));
                return port;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
            }
        }
        throw new IOException($"no free BFD source port in {MinSourcePort}-{MaxSourcePort} on {address}");
    }

    public void Dispose()
    {
        _socket.Dispose();
        NativeMemory.Free(_destination);
    }
}
