using System.Net;
using System.Net.Sockets;
using Xunit;

namespace StackBgp.Session.Tests;

/// <summary>TCP adapter on loopback (127.0.0.x, ::1), ephemeral ports: active/passive open, refusal, TCP-MD5, GTSM/TTL.</summary>
public class TcpTransportTests
{
    private static readonly IPAddress Server = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress Peer = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.0.3");

    private static async Task<(BgpListener Listener, int Port, ListLogger<BgpListener> Log)> ListenAsync(IPAddress on)
    {
        var log = new ListLogger<BgpListener>();
        var l = new BgpListener([new IPEndPoint(on, 0)], log);
        l.Start();
        await Task.CompletedTask;
        return (l, l.LocalEndPoints[0].Port, log);
    }

    private static (PeerRegistration Reg, TaskCompletionSource<IBgpConnection> Accepted) Register(PeerTransportOptions o)
    {
        var tcs = new TaskCompletionSource<IBgpConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        return (new PeerRegistration(o, c => tcs.TrySetResult(c)), tcs);
    }

    [Fact]
    public async Task Active_open_reaches_the_listener_which_hands_it_to_the_configured_peer()
    {
        var (listener, port, _) = await ListenAsync(Server);
        await using var _l = listener;
        var (reg, accepted) = Register(new PeerTransportOptions { RemoteAddress = Peer });
        listener.AddPeer(reg);

        var connector = new TcpConnector(new PeerTransportOptions { RemoteAddress = Server, RemotePort = port, LocalAddress = Peer });
        await using var client = await connector.ConnectAsync(CancellationToken.None);
        await using var server = await Poll.WithTimeout(accepted.Task, "inbound connection from 127.0.0.2");

        Assert.Equal(ConnectionDirection.Outbound, client.Direction);
        Assert.Equal(ConnectionDirection.Inbound, server.Direction);
        Assert.Equal(Peer, server.RemoteEndPoint!.Address);
        await PipeText.WriteAsync(client.Output, "hello");
        Assert.Equal("hello", await PipeText.ReadExactlyAsync(server.Input, 5));
        await PipeText.WriteAsync(server.Output, "world");
        Assert.Equal("world", await PipeText.ReadExactlyAsync(client.Input, 5));
    }

    [Fact]
    public async Task Connection_from_an_unconfigured_address_is_refused_and_logged()
    {
        var (listener, port, log) = await ListenAsync(Server);
        await using var _l = listener;
        var (reg, accepted) = Register(new PeerTransportOptions { RemoteAddress = Peer });
        listener.AddPeer(reg);

        var connector = new TcpConnector(new PeerTransportOptions { RemoteAddress = Server, RemotePort = port, LocalAddress = Stranger });
        // The refused side sees the connection end (reset, possibly already during connect, or EOF).
        try
        {
            await using var client = await connector.ConnectAsync(CancellationToken.None);
            var r = await client.Input.ReadAsync();
            Assert.True(r.IsCompleted, "expected end of stream");
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            // reset: also fine
        }
        await Poll.UntilAsync(() => listener.RefusedCount == 1, "one refused connection", () => log.All);
        Assert.Contains("Refused BGP connection from 127.0.0.3", log.All, StringComparison.Ordinal);
        Assert.False(accepted.Task.IsCompleted);
    }

    [Fact]
    public async Task Dynamic_neighbor_hook_accepts_an_address_in_a_listen_range()
    {
        var (listener, port, _) = await ListenAsync(Server);
        await using var _l = listener;
        var tcs = new TaskCompletionSource<IBgpConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.DynamicPeers = (remote, local) => remote.Address.Equals(Stranger)
            ? new PeerRegistration(new PeerTransportOptions { RemoteAddress = remote.Address }, c => tcs.TrySetResult(c))
            : null;

        var connector = new TcpConnector(new PeerTransportOptions { RemoteAddress = Server, RemotePort = port, LocalAddress = Stranger });
        await using var client = await connector.ConnectAsync(CancellationToken.None);
        await using var server = await Poll.WithTimeout(tcs.Task, "dynamic peer accepted");
        Assert.Equal(Stranger, server.RemoteEndPoint!.Address);
        Assert.Equal(0, listener.RefusedCount);
    }

    [Fact]
    public async Task Ipv6_loopback_active_and_passive_open()
    {
        var (listener, port, _) = await ListenAsync(IPAddress.IPv6Loopback);
        await using var _l = listener;
        var (reg, accepted) = Register(new PeerTransportOptions { RemoteAddress = IPAddress.IPv6Loopback });
        listener.AddPeer(reg);
        var connector = new TcpConnector(new PeerTransportOptions { RemoteAddress = IPAddress.IPv6Loopback, RemotePort = port });
        await using var client = await connector.ConnectAsync(CancellationToken.None);
        await using var server = await Poll.WithTimeout(accepted.Task, "inbound IPv6 connection");
        Assert.Equal(IPAddress.IPv6Loopback, server.RemoteEndPoint!.Address);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.2")]
    [InlineData("::1", "::1")]
    public async Task Md5_with_matching_passwords_connects(string serverAddr, string peerAddr)
    {
        var server = IPAddress.Parse(serverAddr);
        var peer = IPAddress.Parse(peerAddr);
        var (listener, port, _) = await ListenAsync(server);
        await using var _l = listener;
        var (reg, accepted) = Register(new PeerTransportOptions { RemoteAddress = peer, Md5Password = "s3cret" });
        listener.AddPeer(reg);
        var connector = new TcpConnector(new PeerTransportOptions { RemoteAddress = server, RemotePort = port, LocalAddress = peer, Md5Password = "s3cret" });
        await using var client = await connector.ConnectAsync(CancellationToken.None);
        await using var s = await Poll.WithTimeout(accepted.Task, "MD5-signed connection accepted");
        await PipeText.WriteAsync(client.Output, "signed");
        Assert.Equal("signed", await PipeText.ReadExactlyAsync(s.Input, 6));
    }

    [Theory]
    [InlineData("wrong")]
    [InlineData(null)]
    public async Task Md5_with_a_wrong_or_missing_password_never_connects(string? clientPassword)
    {
        var (listener, port, _) = await ListenAsync(Server);
        await using var _l = listener;
        var (reg, accepted) = Register(new PeerTransportOptions { RemoteAddress = Peer, Md5Password = "s3cret" });
        listener.AddPeer(reg);
        var connector = new TcpConnector(new PeerTransportOptions
        {
            RemoteAddress = Server, RemotePort = port, LocalAddress = Peer, Md5Password = clientPassword,
            ConnectTimeout = TimeSpan.FromSeconds(1.5),
        });
        var ex = await Assert.ThrowsAsync<TimeoutException>(async () => await connector.ConnectAsync(CancellationToken.None));
        if (clientPassword is not null) Assert.Contains("TCP-MD5", ex.Message, StringComparison.Ordinal);
        Assert.False(accepted.Task.IsCompleted, "the listener must not accept a connection with a bad MD5 signature");
    }

    [Fact]
    public async Task Gtsm_sets_ttl_255_and_min_ttl_256_minus_hops_on_both_ends()
    {
        var (listener, port, _) = await ListenAsync(Server);
        await using var _l = listener;
        var (reg, accepted) = Register(new PeerTransportOptions { RemoteAddress = Peer, TtlSecurityHops = 1 });
        listener.AddPeer(reg);
        var connector = new TcpConnector(new PeerTransportOptions { RemoteAddress = Server, RemotePort = port, LocalAddress = Peer, TtlSecurityHops = 2 });
        await using var client = (TcpBgpConnection)await connector.ConnectAsync(CancellationToken.None);
        await using var server = (TcpBgpConnection)await Poll.WithTimeout(accepted.Task, "GTSM connection accepted");

        Assert.Equal(255, SocketOptions.GetTtl(client.Socket));
        Assert.Equal(254, SocketOptions.GetMinTtl(client.Socket));
        Assert.Equal(255, SocketOptions.GetTtl(server.Socket));
        Assert.Equal(255, SocketOptions.GetMinTtl(server.Socket));
    }

    [Fact]
    public async Task Ebgp_single_hop_uses_ttl_1_and_multihop_its_value()
    {
        var (listener, port, _) = await ListenAsync(Server);
        await using var _l = listener;
        var (reg, accepted) = Register(new PeerTransportOptions { RemoteAddress = Peer, Ttl = PeerTransportOptions.DefaultTtl(false, 5) });
        listener.AddPeer(reg);
        var connector = new TcpConnector(new PeerTransportOptions { RemoteAddress = Server, RemotePort = port, LocalAddress = Peer, Ttl = PeerTransportOptions.DefaultTtl(false, null) });
        await using var client = (TcpBgpConnection)await connector.ConnectAsync(CancellationToken.None);
        await using var server = (TcpBgpConnection)await Poll.WithTimeout(accepted.Task, "connection accepted");
        Assert.Equal(1, SocketOptions.GetTtl(client.Socket));
        Assert.Equal(5, SocketOptions.GetTtl(server.Socket));
        Assert.Equal(0, SocketOptions.GetMinTtl(client.Socket));
        Assert.Equal(255, PeerTransportOptions.DefaultTtl(true, null));
    }

    [Fact]
    public async Task Connected_check_sets_dont_route_and_still_reaches_a_local_peer()
    {
        var (listener, port, _) = await ListenAsync(Server);
        await using var _l = listener;
        var (reg, accepted) = Register(new PeerTransportOptions { RemoteAddress = Peer });
        listener.AddPeer(reg);
        var connector = new TcpConnector(new PeerTransportOptions { RemoteAddress = Server, RemotePort = port, LocalAddress = Peer, ConnectedCheck = true });
        await using var client = (TcpBgpConnection)await connector.ConnectAsync(CancellationToken.None);
        await using var server = await Poll.WithTimeout(accepted.Task, "connection accepted");
        Assert.Equal(1, (int)client.Socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.DontRoute)!);
    }

    [Fact]
    public void Connected_check_is_for_single_hop_ebgp_without_gtsm_or_disable_connected_check()
    {
        var global = IPAddress.Parse("10.0.0.2");
        Assert.True(PeerTransportOptions.NeedsConnectedCheck(false, null, null, false, global));
        Assert.False(PeerTransportOptions.NeedsConnectedCheck(true, null, null, false, global));
        Assert.False(PeerTransportOptions.NeedsConnectedCheck(false, 2, null, false, global));
        Assert.False(PeerTransportOptions.NeedsConnectedCheck(false, null, 1, false, global));
        Assert.False(PeerTransportOptions.NeedsConnectedCheck(false, null, null, true, global));
        Assert.False(PeerTransportOptions.NeedsConnectedCheck(false, null, null, false, IPAddress.Parse("fe80::1")));
    }

    [Fact]
    public async Task Update_source_interface_that_does_not_exist_fails_the_connect_with_its_name()
    {
        var connector = new TcpConnector(new PeerTransportOptions { RemoteAddress = Server, RemotePort = 9, UpdateSourceInterface = "nosuchif0" });
        var e = await Assert.ThrowsAsync<SocketException>(async () => await connector.ConnectAsync(CancellationToken.None));
        Assert.Contains("update-source interface nosuchif0 does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_never_print_the_password()
    {
        var o = new PeerTransportOptions { RemoteAddress = Peer, Md5Password = "topsecret" };
        Assert.DoesNotContain("topsecret", o.ToString(), StringComparison.Ordinal);
        Assert.Contains("md5 on", o.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Md5_key_longer_than_80_octets_is_rejected()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<ArgumentException>(() => SocketOptions.SetMd5Key(s, Peer, new string('x', 81)));
    }
}
