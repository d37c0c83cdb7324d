using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackBgp.Linux.Links;
using StackBgp.Linux.Netlink;

namespace StackBgp.Linux.Neighbors;

public sealed class RouterAdvertisementOptions
{
    /// <summary>Time between unsolicited advertisements (FRR uses 10 s on BGP unnumbered interfaces).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Router Lifetime field. 0 (default) = "not a default router": the advertisement only
    /// makes our link-local address known, it installs no default route at the peer.</summary>
    public TimeSpan RouterLifetime { get; init; } = TimeSpan.Zero;

    public string? NetNamespace { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>A Router Advertisement heard on the interface: the sender's link-local address
/// (scope id = interface), its router lifetime and source link-layer address option.</summary>
public sealed record RouterAdvertisementReceived(IPAddress Source, int IfIndex, TimeSpan RouterLifetime, string? SourceLinkLayerAddress);

/// <summary>
/// Minimal IPv6 Router Advertisement sender and receiver on one interface, as FRR runs it for
/// BGP unnumbered: both ends advertise, and each learns the other's link-local address from the
/// advertisements it hears. A raw ICMPv6 socket bound to the interface; hop limit 255 on what
/// we send and, by a socket filter, required on what we accept (RFC 4861 §6.1.2); a Router
/// Solicitation is answered at once.
/// </summary>
public sealed class RouterAdvertisements : IAsyncDisposable
{
    private const byte RouterSolicitation = 133;
    private const byte RouterAdvertisement = 134;
    private const int Ipv6Level = 41;
    private const int Ipv6UnicastHops = 16;
    private const int Ipv6MulticastIf = 17;
    private const int Ipv6MulticastHops = 18;
    private const int Ipv6MulticastLoop = 19;
    private const int SoBindToDevice = 25;

    private readonly string _ifName;
    private readonly int _ifIndex;
    private readonly byte[]? _linkLayerAddress;
    private readonly RouterAdvertisementOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<RouterAdvertisementReceived> _received = Channel.CreateUnbounded<RouterAdvertisementReceived>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;
    private readonly byte[] _advertisement;
    private Socket? _socket;
    private ITimer? _timer;
    private Task? _receiveTask;
    private IPAddress? _peer;

    /// <param name="ifName">Interface to run on.</param>
    /// <param name="ifIndex">Its index (scope id of the link-local addresses).</param>
    /// <param name="linkLayerAddress">Its hardware address, sent as the source link-layer
    /// address option (<see cref="LinkInfo.LinkLayerAddress"/>); null = option left out.</param>
    public RouterAdvertisements(string ifName, int ifIndex, string? linkLayerAddress, RouterAdvertisementOptions? options = null, ILogger<RouterAdvertisements>? logger = null)
    {
        _ifName = ifName;
        _ifIndex = ifIndex;
        _linkLayerAddress = string.IsNullOrEmpty(linkLayerAddress) ? null : LinkCodec.ParseHardwareAddress(linkLayerAddress);
        _options = options ?? new RouterAdvertisementOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _advertisement = BuildAdvertisement(_options.RouterLifetime, _linkLayerAddress);
    }

    /// <summary>Advertisements heard from others on the interface.</summary>
    public ChannelReader<RouterAdvertisementReceived> Received => _received.Reader;

    /// <summary>The link-local address of the last router heard (scope id = interface), or null.</summary>
    public IPAddress? PeerLinkLocal => Volatile.Read(ref _peer);

    public void Start()
    {
        _socket = NetNamespace.Run(_options.NetNamespace, () => new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6));
        try
        {
            _socket.SetRawSocketOption(Native.SolSocket, SoBindToDevice, System.Text.Encoding.ASCII.GetBytes(_ifName + "\0"));
            SetInt(Ipv6UnicastHops, 255);
            SetInt(Ipv6MulticastHops, 255);
            SetInt(Ipv6MulticastIf, _ifIndex);
            SetInt(Ipv6MulticastLoop, 0);
            AttachReceiveFilter(_socket);
            _socket.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
            // Routers listen on all-routers (ff02::2), where hosts send their solicitations.
            _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(IPAddress.Parse("ff02::2"), _ifIndex));
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        _receiveTask = ReceiveAsync(_stopping.Token);
        // RFC 4861 §6.2.4: the first few advertisements go out at short intervals, so that a
        // link that just came up (link-local address not yet usable) learns us quickly.
        TimeSpan initial = _options.Interval < InitialInterval ? _options.Interval : InitialInterval;
        _timer = _options.TimeProvider.CreateTimer(_ => OnTimer(), null, TimeSpan.Zero, initial);
    }

    private static readonly TimeSpan InitialInterval = TimeSpan.FromSeconds(1);
    private const int InitialAdvertisements = 3;
    private int _sent;

    private void OnTimer()
    {
        Send(null);
        if (Interlocked.Increment(ref _sent) == InitialAdvertisements)
        {
            try
            {
                _ = _timer?.Change(_options.Interval, _options.Interval);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Sends an advertisement now (to all nodes, ff02::1).</summary>
    public void SendNow() => Send(null);

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _timer?.Dispose();
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_receiveTask is not null)
        {
            await _receiveTask.ConfigureAwait(false);
        }

        _socket?.Dispose();
        _ = _received.Writer.TryComplete();
        _stopping.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// RFC 4861 §4.2:
    /// <code>
    ///   | type=134 | code=0 | checksum (kernel)     |
    ///   | cur hop limit | M|O|0 | router lifetime  |
    ///   | reachable time (32)                      |
    ///   | retrans timer (32)                       |
    ///   | option 1: source link-layer address      |  type 1, length 1 (x 8 octets), MAC
    /// </code>
    /// </summary>
    internal static byte[] BuildAdvertisement(TimeSpan routerLifetime, byte[]? linkLayerAddress)
    {
        int optionLength = linkLayerAddress is null ? 0 : (2 + linkLayerAddress.Length + 7) / 8 * 8;
        byte[] ra = new byte[16 + optionLength];
        ra[0] = RouterAdvertisement;
        BinaryPrimitives.WriteUInt16BigEndian(ra.AsSpan(6), (ushort)Math.Clamp(routerLifetime.TotalSeconds, 0, 9000));
        if (linkLayerAddress is not null)
        {
            ra[16] = 1;
            ra[17] = (byte)(optionLength / 8);
            linkLayerAddress.CopyTo(ra.AsSpan(18));
        }

        return ra;
    }

    /// <summary>Parses an RA; false if it is not one.</summary>
    internal static bool TryParseAdvertisement(ReadOnlySpan<byte> message, out TimeSpan routerLifetime, out string? sourceLinkLayer)
    {
        routerLifetime = default;
        sourceLinkLayer = null;
        if (message.Length < 16 || message[0] != RouterAdvertisement || message[1] != 0)
        {
            return false;
        }

        routerLifetime = TimeSpan.FromSeconds(BinaryPrimitives.ReadUInt16BigEndian(message[6..]));
        ReadOnlySpan<byte> options = message[16..];
        while (options.Length >= 8)
        {
            int length = options[1] * 8;
            if (length == 0 || length > options.Length)
            {
                return false; // RFC 4861 §6.1.2: an option of length 0 invalidates the message
            }

            if (options[0] == 1)
            {
                sourceLinkLayer = LinkCodec.FormatHardwareAddress(options[2..Math.Min(length, 8)]);
            }

            options = options[length..];
        }

        return true;
    }

    private void SetInt(int name, int value)
    {
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(v, value);
        _socket!.SetRawSocketOption(Ipv6Level, name, v);
    }

    /// <summary>Accept only RS/RA that arrived with hop limit 255 (so they come from this link).
    /// On a raw IPv6 socket the filter sees the ICMPv6 header at offset 0 and the IPv6 header at
    /// SKF_NET_OFF.</summary>
    private static void AttachReceiveFilter(Socket socket)
    {
        const ushort LdB = 0x30, JeqK = 0x15, RetK = 0x06;
        const uint NetOff = 0xFFF00000; // SKF_NET_OFF = -0x100000
        Native.AttachFilter(socket.Handle,
        [
            (LdB, 0, 0, NetOff + 7),            // 0: A = IPv6 hop limit
            (JeqK, 0, 4, 255),                  // 1: != 255 → 6 drop
            (LdB, 0, 0, 0),                     // 2: A = ICMPv6 type
            (JeqK, 1, 0, RouterAdvertisement),  // 3: → 5 accept
            (JeqK, 0, 1, RouterSolicitation),   // 4: → 5 accept, else → 6 drop
            (RetK, 0, 0, uint.MaxValue),        // 5
            (RetK, 0, 0, 0),                    // 6
        ]);
    }

    private void Send(IPAddress? to)
    {
        try
        {
            var destination = new IPEndPoint(to ?? new IPAddress(IPAddress.Parse("ff02::1").GetAddressBytes(), _ifIndex), 0);
            _ = _socket?.SendTo(_advertisement, destination);
        }
        catch (SocketException ex)
        {
            _logger.LogDebug("RA on {Interface}: send failed: {Error}", _ifName, ex.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.IPv6Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket!.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                _logger.LogDebug("RA on {Interface}: receive failed: {Error}", _ifName, ex.SocketErrorCode);
                continue;
            }

            if (r.RemoteEndPoint is not IPEndPoint { Address: { IsIPv6LinkLocal: true } source })
            {
                continue; // RFC 4861 §6.1.2: the source of an RA must be link-local
            }

            var scoped = new IPAddress(source.GetAddressBytes(), _ifIndex);
            ReadOnlySpan<byte> message = buffer.AsSpan(0, r.ReceivedBytes);
            if (message.Length > 0 && message[0] == RouterSolicitation)
            {
                Send(scoped);
            }
            else if (TryParseAdvertisement(message, out TimeSpan lifetime, out string? sll))
            {
                Volatile.Write(ref _peer, scoped);
                _ = _received.Writer.TryWrite(new RouterAdvertisementReceived(scoped, _ifIndex, lifetime, sll));
            }
        }
    }
}
