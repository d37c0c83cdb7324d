using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using StackBgp.Wire;
using Xunit;

namespace StackBgp.Session.Tests;

public class CollisionAndTcpSessionTests
{
    /// <summary>Connects at once but delivers the accepting side only on <see cref="Release"/>, so both ends open before either sees the other's SYN.</summary>
    private sealed class GatedConnector(IPEndPoint local, IPEndPoint remote) : IBgpConnector
    {
        private readonly ConcurrentQueue<IBgpConnection> _held = new();
        public Action<IBgpConnection>? Target { get; set; }
        public int Connects => _connects;
        private int _connects;

        public ValueTask<IBgpConnection> ConnectAsync(CancellationToken cancellationToken)
        {
            var (client, server) = InMemoryConnection.CreatePair(local, remote);
            _held.Enqueue(server);
            Interlocked.Increment(ref _connects);
            return ValueTask.FromResult<IBgpConnection>(client);
        }

        public void Release()
        {
            while (_held.TryDequeue(out var s)) Target!(s);
        }
    }

    [Theory]
    [InlineData(0x01010101u, 0x02020202u)]
    [InlineData(0x02020202u, 0x01010101u)]
    public async Task Collision_keeps_the_connection_opened_by_the_higher_router_id(uint idA, uint idB)
    {
        var time = new FakeTimeProvider();
        var aClient = new IPEndPoint(Sessions.A, 40001);
        var bClient = new IPEndPoint(Sessions.B, 40002);
        var ca = new GatedConnector(aClient, new IPEndPoint(Sessions.B, 179));
        var cb = new GatedConnector(bClient, new IPEndPoint(Sessions.A, 179));
        var ha = new RecordingHandler();
        var hb = new RecordingHandler();
        var la = new ListLogger<BgpSession>();
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, idA), ca, ha, time, la);
        await using var b = new BgpSession(Sessions.Config(Sessions.A, 65002, 65001, idB), cb, hb, time);
        ca.Target = b.AcceptConnection;
        cb.Target = a.AcceptConnection;
        a.Start();
        b.Start();
        await Poll.UntilAsync(() => a.State == BgpState.OpenSent && b.State == BgpState.OpenSent, "both OpenSent on their own connection", () => $"{a.State} {b.State}");
        ca.Release();
        cb.Release();

        await Poll.UntilAsync(() => ha.EstablishedCount == 1 && hb.EstablishedCount == 1, "both Established", () => $"A {a.State} [{ha.All}] B {b.State} [{hb.All}]\n{la.All}");
        // The survivor is the connection initiated by the higher identifier; both ends agree on it.
        IPEndPoint winnerClient = idA > idB ? aClient : bClient;
        Assert.True(winnerClient.Equals(idA > idB ? a.Negotiated!.LocalEndPoint : a.Negotiated!.RemoteEndPoint), $"A kept {a.Negotiated!.LocalEndPoint} -> {a.Negotiated.RemoteEndPoint}");
        Assert.True(winnerClient.Equals(idB > idA ? b.Negotiated!.LocalEndPoint : b.Negotiated!.RemoteEndPoint), $"B kept {b.Negotiated!.LocalEndPoint} -> {b.Negotiated.RemoteEndPoint}");
        Assert.Empty(ha.Downs);
        Assert.Empty(hb.Downs);

        // The surviving session carries UPDATEs.
        Assert.True(await a.EnqueueUpdatesAsync(Sessions.Update(a.Negotiated.EncodeContext, Sessions.Attrs(65001, "10.0.0.1"), "203.0.113.0/24")));
        await Poll.UntilAsync(() => hb.Announced.Count == 1, "UPDATE over the surviving connection", () => hb.All);
    }

    [Fact]
    public async Task Established_session_wins_against_a_late_second_connection()
    {
        var time = new FakeTimeProvider();
        var ha = new RecordingHandler();
        var connector = new InMemoryConnector(new IPEndPoint(Sessions.A, 50001), new IPEndPoint(Sessions.B, 179));
        var peers = new ConcurrentQueue<RawPeer>();
        connector.Target = c => peers.Enqueue(new RawPeer(c));
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101), connector, ha, time);
        a.Start();
        await Poll.UntilAsync(() => peers.Count == 1, "connected");
        var p1 = peers.Single();
        await p1.ReadAsync<OpenMessage>();
        await p1.SendAsync(Sessions.PeerOpen(65002, 0x09090909));
        await p1.ReadAsync<KeepaliveMessage>();
        await p1.SendAsync(KeepaliveMessage.Instance);
        await Poll.UntilAsync(() => ha.EstablishedCount == 1, "Established", () => ha.All);

        // The peer (higher id) opens a second connection: Established wins (CollisionDetectEstablishedState off).
        var (client, server) = InMemoryConnection.CreatePair(new IPEndPoint(Sessions.B, 40000), new IPEndPoint(Sessions.A, 179));
        a.AcceptConnection(server);
        var p2 = new RawPeer(client);
        await p2.ReadAsync<OpenMessage>();
        await p2.SendAsync(Sessions.PeerOpen(65002, 0x09090909));
        var n = await p2.ReadAsync<NotificationMessage>();
        Assert.Equal(BgpErrorCode.Cease, n.Code);
        Assert.Equal((byte)CeaseSubcode.ConnectionCollisionResolution, n.Subcode);
        Assert.True(await p2.ClosedAsync());
        Assert.Equal(BgpState.Established, a.State);
        Assert.Empty(ha.Downs);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("bgp-secret", "bgp-secret")]
    public async Task Two_sessions_over_tcp_on_loopback_reach_Established(string? passwordA, string? passwordB)
    {
        var ha = new RecordingHandler();
        var hb = new RecordingHandler();
        var ipA = IPAddress.Parse("127.0.0.11");
        var ipB = IPAddress.Parse("127.0.0.12");
        await using var listenerB = new BgpListener([new IPEndPoint(ipB, 0)]);
        listenerB.Start();
        int port = listenerB.LocalEndPoints[0].Port;
        var toB = new PeerTransportOptions { RemoteAddress = ipB, RemotePort = port, LocalAddress = ipA, Md5Password = passwordA, ConnectTimeout = TimeSpan.FromSeconds(2) };
        var toA = new PeerTransportOptions { RemoteAddress = ipA, Md5Password = passwordB };
        await using var a = new BgpSession(Sessions.Config(ipB, 65001, 65002, 0x01010101, c => c with { HoldTime = 30 }), new TcpConnector(toB), ha);
        await using var b = new BgpSession(Sessions.Config(ipA, 65002, 65001, 0x02020202, c => c with { HoldTime = 30, Fsm = new FsmOptions { PassiveTcpEstablishment = true } }), null, hb);
        listenerB.AddPeer(new PeerRegistration(toA, b.AcceptConnection));
        b.Start();
        a.Start();
        await Poll.UntilAsync(() => ha.EstablishedCount == 1 && hb.EstablishedCount == 1, "Established over TCP", () => $"A {a.State} {ha.All} B {b.State} {hb.All}");
        Assert.Equal(ipA, b.Negotiated!.RemoteEndPoint!.Address);
        Assert.True(await a.EnqueueUpdatesAsync(Sessions.Update(a.Negotiated!.EncodeContext, Sessions.Attrs(65001, "192.0.2.11"), "198.18.0.0/15")));
        await Poll.UntilAsync(() => hb.Announced.Count == 1, "UPDATE over TCP", () => hb.All);
        await a.StopAsync(CeaseSubcode.AdministrativeShutdown, "bye");
        await Poll.UntilAsync(() => hb.Downs.Count == 1, "B saw Cease", () => hb.All);
        Assert.Equal("bye", hb.Downs.Single().Notification!.ShutdownMessage);
    }

    [Fact]
    public async Task Wrong_md5_password_never_reaches_OpenSent()
    {
        var ha = new RecordingHandler();
        var hb = new RecordingHandler();
        var ipA = IPAddress.Parse("127.0.0.13");
        var ipB = IPAddress.Parse("127.0.0.14");
        var la = new ListLogger<BgpSession>();
        await using var listenerB = new BgpListener([new IPEndPoint(ipB, 0)]);
        listenerB.Start();
        int port = listenerB.LocalEndPoints[0].Port;
        var toB = new PeerTransportOptions { RemoteAddress = ipB, RemotePort = port, LocalAddress = ipA, Md5Password = "wrong", ConnectTimeout = TimeSpan.FromSeconds(1) };
        await using var a = new BgpSession(Sessions.Config(ipB, 65001, 65002, 0x01010101), new TcpConnector(toB), ha, null, la);
        await using var b = new BgpSession(Sessions.Config(ipA, 65002, 65001, 0x02020202, c => c with { Fsm = new FsmOptions { PassiveTcpEstablishment = true } }), null, hb);
        listenerB.AddPeer(new PeerRegistration(new PeerTransportOptions { RemoteAddress = ipA, Md5Password = "right" }, b.AcceptConnection));
        b.Start();
        a.Start();
        await Poll.UntilAsync(() => la.All.Contains("TCP-MD5", StringComparison.Ordinal), "a connect failure that names TCP-MD5", () => la.All);
        Assert.Equal(BgpState.Active, b.State);
        Assert.DoesNotContain("OpenSent", la.All, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", la.All, StringComparison.Ordinal);
        Assert.Equal(0, ha.EstablishedCount);
    }
}
