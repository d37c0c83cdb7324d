using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace StackBgp.Session;

/// <summary>
/// Linux socket options for BGP transports, set with setsockopt through
/// <see cref="Socket.SetRawSocketOption"/>: TCP-MD5 (RFC 2385), TTL and minimum TTL for GTSM
/// (RFC 5082) and eBGP multihop, and binding to an interface (update-source IFNAME).
/// </summary>
public static class SocketOptions
{
    private const int SolSocket = 1;
    private const int SoBindToDevice = 25;
    private const int IpProtoIp = 0;
    private const int IpTtl = 2;
    private const int IpMinTtl = 21;
    private const int IpProtoIpv6 = 41;
    private const int Ipv6UnicastHops = 16;
    private const int Ipv6MinHopCount = 73;
    private const int IpProtoTcp = 6;
    private const int TcpMd5Sig = 14;
    private const int TcpMd5SigExt = 32;
    private const byte TcpMd5SigFlagPrefix = 1;
    private const int AfInet = 2;
    private const int AfInet6 = 10;

    /// <summary>TCP_MD5SIG_MAXKEYLEN (linux/tcp.h).</summary>
    public const int MaxMd5KeyLength = 80;

    /// <summary>
    /// Installs (or with a null/empty <paramref name="password"/> removes) the TCP-MD5 key for
    /// <paramref name="peer"/> on <paramref name="socket"/> (RFC 2385). Set it on the connecting
    /// socket before connect, and on each listening socket per peer address (or per listen range
    /// with <paramref name="prefixLength"/>).
    /// <code>
    /// struct tcp_md5sig {                        // linux/tcp.h, 216 octets
    ///     struct sockaddr_storage tcpm_addr;     //   0: 128 octets, the peer
    ///     __u8  tcpm_flags;                      // 128: TCP_MD5SIG_FLAG_PREFIX | _IFINDEX
    ///     __u8  tcpm_prefixlen;                  // 129
    ///     __u16 tcpm_keylen;                     // 130 (host order, like all but the address)
    ///     int   tcpm_ifindex;                    // 132
    ///     __u8  tcpm_key[80];                    // 136
    /// };
    /// </code>
    /// </summary>
    public static void SetMd5Key(Socket socket, IPAddress peer, string? password, int? prefixLength = null)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(peer);
        byte[] key = string.IsNullOrEmpty(password) ? [] : Encoding.UTF8.GetBytes(password);
        if (key.Length > MaxMd5KeyLength) throw new ArgumentException($"TCP-MD5 password longer than {MaxMd5KeyLength} octets", nameof(password));

        Span<byte> md5 = stackalloc byte[216];
        md5.Clear();
        IPAddress addr = peer;
        if (socket.AddressFamily == AddressFamily.InterNetworkV6 && addr.AddressFamily == AddressFamily.InterNetwork)
            addr = addr.MapToIPv6();
        WriteSockaddr(md5[..128], addr);
        byte flags = 0;
        if (prefixLength is int len)
        {
            flags |= TcpMd5SigFlagPrefix;
            md5[129] = (byte)(addr.IsIPv4MappedToIPv6 ? len + 96 : len);
        }
        // No TCP_MD5SIG_FLAG_IFINDEX for a link-local peer: the kernel only accepts it for an L3 master
        // device (a VRF) and answers EINVAL for an ordinary interface (seen with unnumbered peers and
        // FRR); the key then matches the address on every interface, which is what FRR does too.
        md5[128] = flags;
        MemoryMarshal.Write(md5[130..], (ushort)key.Length);
        key.CopyTo(md5[136..]);
        socket.SetRawSocketOption(IpProtoTcp, flags != 0 ? TcpMd5SigExt : TcpMd5Sig, md5);
    }

    private static void WriteSockaddr(Span<byte> dst, IPAddress addr)
    {
        if (addr.AddressFamily == AddressFamily.InterNetwork)
        {
            MemoryMarshal.Write(dst, (ushort)AfInet);
            addr.TryWriteBytes(dst[4..8], out _);
        }
        else
        {
            MemoryMarshal.Write(dst, (ushort)AfInet6);
            addr.TryWriteBytes(dst[8..24], out _);
            MemoryMarshal.Write(dst[24..], (uint)addr.ScopeId);
        }
    }

    /// <summary>Outgoing TTL / hop limit (IP_TTL, IPV6_UNICAST_HOPS).</summary>
    public static void SetTtl(Socket socket, int ttl)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (ttl is < 1 or > 255) throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "TTL must be 1..255");
        if (socket.AddressFamily == AddressFamily.InterNetworkV6) SetInt(socket, IpProtoIpv6, Ipv6UnicastHops, ttl);
        else SetInt(socket, IpProtoIp, IpTtl, ttl);
    }

    public static int GetTtl(Socket socket) => socket.AddressFamily == AddressFamily.InterNetworkV6
        ? GetInt(socket, IpProtoIpv6, Ipv6UnicastHops)
        : GetInt(socket, IpProtoIp, IpTtl);

    /// <summary>
    /// Minimum accepted TTL / hop limit (IP_MINTTL, IPV6_MINHOPCOUNT): the kernel drops segments that
    /// arrive with less (RFC 5082 §3). 0 turns the check off.
    /// </summary>
    public static void SetMinTtl(Socket socket, int minTtl)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (minTtl is < 0 or > 255) throw new ArgumentOutOfRangeException(nameof(minTtl), minTtl, "minimum TTL must be 0..255");
        if (socket.AddressFamily == AddressFamily.InterNetworkV6) SetInt(socket, IpProtoIpv6, Ipv6MinHopCount, minTtl);
        else SetInt(socket, IpProtoIp, IpMinTtl, minTtl);
    }

    public static int GetMinTtl(Socket socket) => socket.AddressFamily == AddressFamily.InterNetworkV6
        ? GetInt(socket, IpProtoIpv6, Ipv6MinHopCount)
        : GetInt(socket, IpProtoIp, IpMinTtl);

    /// <summary>SO_BINDTODEVICE: the socket only uses <paramref name="interfaceName"/> (update-source IFNAME, unnumbered).</summary>
    public static void BindToDevice(Socket socket, string interfaceName)
    {
        ArgumentNullException.ThrowIfNull(socket);
        byte[] name = Encoding.ASCII.GetBytes(interfaceName + "\0");
        socket.SetRawSocketOption(SolSocket, SoBindToDevice, name);
    }

    /// <summary>
    /// Applies the TTL rules of <paramref name="options"/>: GTSM ("ttl-security hops N": send with 255,
    /// accept ≥ 256-N, RFC 5082 §3) or else the plain outgoing TTL (1 for single-hop eBGP, the
    /// multihop value, 255 for iBGP).
    /// </summary>
    public static void ApplyTtl(Socket socket, PeerTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TtlSecurityHops is int hops)
        {
            SetTtl(socket, 255);
            SetMinTtl(socket, 256 - hops);
        }
        else
        {
            SetTtl(socket, options.Ttl);
        }
    }

    private static void SetInt(Socket s, int level, int name, int value)
    {
        Span<byte> v = stackalloc byte[4];
        MemoryMarshal.Write(v, value);
        s.SetRawSocketOption(level, name, v);
    }

    private static int GetInt(Socket s, int level, int name)
    {
        Span<byte> v = stackalloc byte[4];
        int n = s.GetRawSocketOption(level, name, v);
        return n >= 4 ? MemoryMarshal.Read<int>(v) : v[0];
    }
}
