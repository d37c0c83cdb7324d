using System.Net;
using System.Net.Sockets;

namespace StackBgp.Session;

/// <summary>
/// Active open to one peer: socket options first (MD5 key, TTL/GTSM, interface, local address),
/// then connect (RFC 4271 §8.2.1.1 "initiates a TCP connection").
/// </summary>
public sealed class TcpConnector : IBgpConnector
{
    private readonly PeerTransportOptions _options;

    public TcpConnector(PeerTransportOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    public string? NoAnswerHint => string.IsNullOrEmpty(_options.Md5Password)
        ? null
        : "TCP-MD5 is on, and a peer with a different (or no) password drops our SYNs silently";

    public async ValueTask<IBgpConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var remote = new IPEndPoint(_options.RemoteAddress, _options.RemotePort);
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            Configure(socket, _options);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(remote, timeout.Token).ConfigureAwait(false);
            }
            catch (SocketException e) when (_options.ConnectedCheck && e.SocketErrorCode is SocketError.NetworkUnreachable or SocketError.HostUnreachable)
            {
                throw new SocketException((int)e.SocketErrorCode,
                    $"{_options.RemoteAddress} is not on a directly connected network, and single-hop eBGP only connects to those " +
                    "(configure ebgp-multihop, ttl-security or disable-connected-check)");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(NoAnswerHint is null
                    ? $"TCP connect to {remote} timed out after {_options.ConnectTimeout.TotalSeconds:0.#} s"
                    : $"TCP connect to {remote} timed out after {_options.ConnectTimeout.TotalSeconds:0.#} s; {NoAnswerHint}");
            }
            return new TcpBgpConnection(socket, ConnectionDirection.Outbound);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Applies every per-peer option to an unconnected socket.</summary>
    public static void Configure(Socket socket, PeerTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(options);
        if (socket.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
        if (!string.IsNullOrEmpty(options.Md5Password)) SocketOptions.SetMd5Key(socket, options.RemoteAddress, options.Md5Password);
        SocketOptions.ApplyTtl(socket, options);
        if (!string.IsNullOrEmpty(options.LocalInterface)) SocketOptions.BindToDevice(socket, options.LocalInterface);
        if (options.ConnectedCheck) socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.DontRoute, true);
        IPAddress? source = options.LocalAddress
            ?? (string.IsNullOrEmpty(options.UpdateSourceInterface) ? null : InterfaceAddress(options.UpdateSourceInterface, socket.AddressFamily));
        if (source is not null || options.LocalPort != 0)
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            IPAddress local = source ?? (socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any);
            socket.Bind(new IPEndPoint(local, options.LocalPort));
        }
    }

    /// <summary>
    /// update-source IFNAME: the interface's first address of <paramref name="family"/>, skipping 127/8, ::1
    /// and (for IPv6) link-local ones; an interface without one is a connect failure that says so.
    /// </summary>
    private static IPAddress InterfaceAddress(string name, AddressFamily family)
    {
        var nic = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(i => i.Name == name)
            ?? throw new SocketException((int)SocketError.AddressNotAvailable, $"update-source interface {name} does not exist");
        return nic.GetIPProperties().UnicastAddresses.Select(u => u.Address)
            .FirstOrDefault(a => a.AddressFamily == family && !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal)
            ?? throw new SocketException((int)SocketError.AddressNotAvailable,
                $"update-source interface {name} has no {(family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} address");
    }
}
