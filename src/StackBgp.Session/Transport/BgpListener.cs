using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace StackBgp.Session;

/// <summary>A configured (or dynamically accepted) peer for the listener: its transport options and who takes its connections.</summary>
public sealed record PeerRegistration(PeerTransportOptions Options, Action<IBgpConnection> Accept);

/// <summary>
/// Hook for dynamic neighbors (bgp listen range): asked for a connection from an address with no
/// configured peer; returns a registration to accept it (and create the peer), or null to refuse.
/// </summary>
public delegate PeerRegistration? DynamicPeerFactory(IPEndPoint remote, IPEndPoint local);

/// <summary>
/// Passive open: listens on the configured addresses (default port 179), hands each accepted
/// connection to the peer registered for its remote address, and refuses (and logs) the rest.
/// TCP-MD5 keys are installed on the listening sockets per peer address, so the kernel drops
/// unsigned or wrongly signed SYNs from that address.
/// </summary>
public sealed partial class BgpListener : IAsyncDisposable
{
    private readonly ConcurrentDictionary<IPAddress, PeerRegistration> _peers = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly IReadOnlyList<IPEndPoint> _endPoints;
    private readonly ILogger _logger;
    private readonly object _socketsLock = new();

    public BgpListener(IEnumerable<IPEndPoint> endPoints, ILogger<BgpListener>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(endPoints);
        _endPoints = endPoints.ToArray();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>0.0.0.0 and :: on <paramref name="port"/>.</summary>
    public static IPEndPoint[] AnyAddress(int port = PeerTransportOptions.BgpPort) => [new(IPAddress.Any, port), new(IPAddress.IPv6Any, port)];

    public DynamicPeerFactory? DynamicPeers { get; set; }

    /// <summary>The bound endpoints (with the real port when 0 was configured).</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints
    {
        get
        {
            lock (_socketsLock) return _sockets.Select(s => (IPEndPoint)s.LocalEndPoint!).ToArray();
        }
    }

    /// <summary>Number of connections refused because no peer was configured for the address.</summary>
    public int RefusedCount => _refused;
    private int _refused;

    public void Start()
    {
        foreach (IPEndPoint ep in _endPoints)
        {
            var s = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (ep.AddressFamily == AddressFamily.InterNetworkV6) s.DualMode = false;
                s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                // The SYN-ACK leaves with the listening socket's TTL: 255, so that a GTSM peer
                // (RFC 5082, minimum TTL 256-N) accepts it. Accepted sockets get the peer's TTL.
                SocketOptions.SetTtl(s, 255);
                s.Bind(ep);
                s.Listen(64);
            }
            catch
            {
                s.Dispose();
                throw;
            }
            lock (_socketsLock) _sockets.Add(s);
            foreach (var reg in _peers.Values) InstallKey(s, reg.Options);
            LogListening(_logger, (IPEndPoint)s.LocalEndPoint!);
            _loops.Add(AcceptLoopAsync(s));
        }
    }

    /// <summary>Registers a peer (replacing an earlier registration for the same address).</summary>
    public void AddPeer(PeerRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        _peers[Normalize(registration.Options.RemoteAddress)] = registration;
        lock (_socketsLock)
        {
            foreach (var s in _sockets) InstallKey(s, registration.Options);
        }
    }

    public void RemovePeer(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!_peers.TryRemove(Normalize(address), out var reg)) return;
        if (string.IsNullOrEmpty(reg.Options.Md5Password)) return;
        lock (_socketsLock)
        {
            foreach (var s in _sockets)
            {
                if (s.AddressFamily == Normalize(address).AddressFamily) SocketOptions.SetMd5Key(s, reg.Options.RemoteAddress, null);
            }
        }
    }

    /// <summary>Installs a TCP-MD5 key for a whole listen range (dynamic neighbors with a password).</summary>
    public void SetRangePassword(IPAddress network, int prefixLength, string? password)
    {
        ArgumentNullException.ThrowIfNull(network);
        lock (_socketsLock)
        {
            foreach (var s in _sockets)
            {
                if (s.AddressFamily == network.AddressFamily) SocketOptions.SetMd5Key(s, network, password, prefixLength);
            }
        }
    }

    private static void InstallKey(Socket listener, PeerTransportOptions o)
    {
        if (string.IsNullOrEmpty(o.Md5Password)) return;
        if (listener.AddressFamily != Normalize(o.RemoteAddress).AddressFamily) return;
        SocketOptions.SetMd5Key(listener, o.RemoteAddress, o.Md5Password);
    }

    private static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(_logger, (IPEndPoint)listener.LocalEndPoint!, ex.SocketErrorCode);
                continue;
            }
            Dispatch(accepted);
        }
    }

    private void Dispatch(Socket accepted)
    {
        var remote = (IPEndPoint)accepted.RemoteEndPoint!;
        var local = (IPEndPoint)accepted.LocalEndPoint!;
        IPAddress address = Normalize(remote.Address);
        PeerRegistration? reg = _peers.GetValueOrDefault(address);
        if (reg is null && DynamicPeers is { } factory)
        {
            try
            {
                reg = factory(new IPEndPoint(address, remote.Port), local);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
            {
                LogDynamicPeerFailed(_logger, address, ex.Message);
            }
        }
        if (reg is null)
        {
            Interlocked.Increment(ref _refused);
            LogRefused(_logger, address, remote.Port, local);
            accepted.LingerState = new LingerOption(true, 0);
            accepted.Dispose();
            return;
        }
        try
        {
            SocketOptions.ApplyTtl(accepted, reg.Options);
        }
        catch (SocketException ex)
        {
            LogSocketOptionFailed(_logger, address, ex.SocketErrorCode);
            accepted.Dispose();
            return;
        }
        LogAccepted(_logger, address, remote.Port, local);
        reg.Accept(new TcpBgpConnection(accepted, ConnectionDirection.Inbound));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        lock (_socketsLock)
        {
            foreach (var s in _sockets) s.Dispose();
        }
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "BGP listening on {EndPoint}")]
    private static partial void LogListening(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Refused BGP connection from {Address} port {Port} to {Local}: no neighbor is configured for this address")]
    private static partial void LogRefused(ILogger logger, IPAddress address, int port, IPEndPoint local);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "Accepted BGP connection from {Address} port {Port} on {Local}")]
    private static partial void LogAccepted(ILogger logger, IPAddress address, int port, IPEndPoint local);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Accept on {EndPoint} failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, IPEndPoint endPoint, SocketError error);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Dynamic neighbor for {Address} could not be created: {Reason}")]
    private static partial void LogDynamicPeerFailed(ILogger logger, IPAddress address, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Could not set TTL options on the connection from {Address}: {Error}")]
    private static partial void LogSocketOptionFailed(ILogger logger, IPAddress address, SocketError error);
}
