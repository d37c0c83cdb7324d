using System.Collections.Immutable;
using System.IO.Pipelines;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using StackBgp.Wire;
using Xunit;

namespace StackBgp.Session.Tests;

/// <summary>Two sessions (or a session and a scripted peer) over in-memory pipes, time from FakeTimeProvider.</summary>
public class SessionTests
{
    private static readonly IPEndPoint AEnd = new(Sessions.A, 50001);
    private static readonly IPEndPoint BEnd = new(Sessions.B, 179);

    private sealed class Pair : IAsyncDisposable
    {
        public required BgpSession A { get; init; }
        public required BgpSession B { get; init; }
        public required RecordingHandler HA { get; init; }
        public required RecordingHandler HB { get; init; }
        public required InMemoryConnector ConnectorA { get; init; }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
        }
    }

    /// <summary>A (AS 65001, id 1.1.1.1) connects actively to B (AS 65002, id 2.2.2.2), which is passive.</summary>
    private static Pair CreatePair(TimeProvider time, Func<SessionConfig, SessionConfig>? tweakA = null, Func<SessionConfig, SessionConfig>? tweakB = null)
    {
        var ha = new RecordingHandler();
        var hb = new RecordingHandler();
        var connA = new InMemoryConnector(AEnd, BEnd);
        var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101, tweakA), connA, ha, time);
        var b = new BgpSession(Sessions.Config(Sessions.A, 65002, 65001, 0x02020202, c => (tweakB?.Invoke(c) ?? c) with { Fsm = new FsmOptions { PassiveTcpEstablishment = true } }), null, hb, time);
        connA.Target = b.AcceptConnection;
        return new Pair { A = a, B = b, HA = ha, HB = hb, ConnectorA = connA };
    }

    private static async Task BothEstablished(Pair p)
    {
        await Poll.UntilAsync(() => p.HA.EstablishedCount == 1 && p.HB.EstablishedCount == 1,
            "both sessions Established", () => $"A {p.A.State} [{p.HA.All}] B {p.B.State} [{p.HB.All}]");
    }

    [Fact]
    public async Task Two_sessions_reach_Established_and_negotiate_capabilities()
    {
        var time = new FakeTimeProvider();
        await using var p = CreatePair(time,
            a => a with { HostName = "node-a", HoldTime = 30, AddPath = [new AddPathEntry(AddressFamily.Ipv4Unicast, AddPathMode.Both)] },
            b => b with { Families = [AddressFamily.Ipv4Unicast], HoldTime = 9, AddPath = [new AddPathEntry(AddressFamily.Ipv4Unicast, AddPathMode.Receive)] });
        p.B.Start();
        p.A.Start();
        await BothEstablished(p);

        NegotiatedSession na = p.HA.Negotiated!;
        NegotiatedSession nb = p.HB.Negotiated!;
        Assert.Equal(65002u, na.PeerAs);
        Assert.Equal(0x02020202u, na.PeerBgpId);
        Assert.Equal(9, na.HoldTime);
        Assert.Equal(TimeSpan.FromSeconds(3), na.KeepaliveInterval);
        Assert.Equal([AddressFamily.Ipv4Unicast], na.Families.ToArray());
        Assert.True(na.FourOctetAs && na.RouteRefresh && na.EnhancedRouteRefresh && na.ExtendedMessage);
        Assert.Equal(65535, na.DecodeContext.MaxMessageLength);
        Assert.False(na.IsInternal);
        // Add-path: A offered both, B only receive: A sends path ids, B receives them.
        Assert.Equal([new AddPathEntry(AddressFamily.Ipv4Unicast, AddPathMode.Send)], na.AddPath.ToArray());
        Assert.Equal([new AddPathEntry(AddressFamily.Ipv4Unicast, AddPathMode.Receive)], nb.AddPath.ToArray());
        Assert.True(nb.DecodeContext.ReceivesPathId(AddressFamily.Ipv4Unicast));
        Assert.True(na.EncodeContext.SendsPathId(AddressFamily.Ipv4Unicast));
        Assert.Equal("node-a", nb.PeerHostName);
        Assert.Equal(1, p.HA.EstablishedCount);
    }

    [Fact]
    public async Task Updates_end_of_rib_and_route_refresh_flow_between_two_sessions()
    {
        var time = new FakeTimeProvider();
        await using var p = CreatePair(time);
        p.B.Start();
        p.A.Start();
        await BothEstablished(p);

        var ctx = p.A.Negotiated!.EncodeContext;
        Assert.True(await p.A.EnqueueUpdatesAsync(Sessions.Update(ctx, Sessions.Attrs(65001, "10.0.0.1"), "192.0.2.0/24", "198.51.100.0/24")));
        Assert.True(await p.A.SendEndOfRibAsync(AddressFamily.Ipv4Unicast));
        await Poll.UntilAsync(() => p.HB.EndOfRib.Count == 1, "End-of-RIB at B", () => p.HB.All);
        Assert.Equal(["192.0.2.0/24", "198.51.100.0/24"], p.HB.Announced.Select(n => n.Prefix.ToString()).ToArray());
        Assert.Equal("65001", p.HB.LastAttributes!.AsPath.ToString());

        Assert.True(await p.B.SendRouteRefreshAsync(AddressFamily.Ipv6Unicast));
        await Poll.UntilAsync(() => p.HA.Refreshes.Count == 1, "ROUTE-REFRESH at A", () => p.HA.All);
        Assert.Equal((AddressFamily.Ipv6Unicast, RouteRefreshSubtype.Normal), p.HA.Refreshes.Single());
    }

    [Fact]
    public async Task Keepalives_keep_the_session_up_and_silence_expires_the_hold_timer()
    {
        var time = new FakeTimeProvider();
        var ha = new RecordingHandler();
        var connector = new InMemoryConnector(AEnd, BEnd);
        RawPeer? peer = null;
        connector.Target = c => peer = new RawPeer(c);
        var log = new ListLogger<BgpSession>();
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101), connector, ha, time, log);
        a.Start();
        await Poll.UntilAsync(() => peer is not null, "A connected");
        var open = await peer!.ReadAsync<OpenMessage>();
        Assert.Equal(9, open.HoldTime);
        await peer.SendAsync(Sessions.PeerOpen(65002, 0x02020202));
        await peer.ReadAsync<KeepaliveMessage>();
        await peer.SendAsync(KeepaliveMessage.Instance);
        await Poll.UntilAsync(() => a.State == BgpState.Established, "A Established", () => ha.All);

        // Keepalive every 3 s; our keepalives every 3 s keep A's hold timer (9 s) from expiring.
        for (int i = 0; i < 4; i++)
        {
            long seen = a.MessagesReceived;
            time.Advance(TimeSpan.FromSeconds(3));
            await peer.ReadAsync<KeepaliveMessage>();
            await peer.SendAsync(KeepaliveMessage.Instance);
            await Poll.UntilAsync(() => a.MessagesReceived >= seen + 1, "A handled the peer's KEEPALIVE");
        }
        Assert.Equal(1, ha.EstablishedCount);
        Assert.Equal(BgpState.Established, a.State);

        // Now the peer goes silent: 9 s after A last heard from it, A sends Hold Timer Expired.
        for (int s = 0; s < 12 && ha.Downs.IsEmpty; s++) time.Advance(TimeSpan.FromSeconds(1));
        await Poll.UntilAsync(() => ha.Downs.Count == 1, "Down after the hold time", () => ha.All + "\n" + log.All);
        BgpMessage m;
        do m = await peer.ReadAsync(); while (m is KeepaliveMessage);
        var n = Assert.IsType<NotificationMessage>(m);
        Assert.Equal(BgpErrorCode.HoldTimerExpired, n.Code);
        await Poll.UntilAsync(() => ha.Downs.Count == 1, "Down reported", () => ha.All);
        Assert.Equal(SessionDownKind.HoldTimerExpired, ha.Downs.Single().Kind);
        Assert.True(await peer.ClosedAsync(), "connection closed after the NOTIFICATION");
    }

    [Fact]
    public async Task Hold_time_zero_means_no_keepalives_and_no_hold_timer()
    {
        var time = new FakeTimeProvider();
        var ha = new RecordingHandler();
        var connector = new InMemoryConnector(AEnd, BEnd);
        RawPeer? peer = null;
        connector.Target = c => peer = new RawPeer(c);
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101), connector, ha, time);
        a.Start();
        await Poll.UntilAsync(() => peer is not null, "A connected");
        await peer!.ReadAsync<OpenMessage>();
        await peer.SendAsync(Sessions.PeerOpen(65002, 0x02020202, hold: 0));
        await peer.ReadAsync<KeepaliveMessage>();
        await peer.SendAsync(KeepaliveMessage.Instance);
        await Poll.UntilAsync(() => a.State == BgpState.Established, "A Established", () => ha.All);
        Assert.Equal(0, a.Negotiated!.HoldTime);
        time.Advance(TimeSpan.FromHours(1));
        await a.SendEndOfRibAsync(AddressFamily.Ipv4Unicast);
        // The first thing A sends after an hour of silence is the End-of-RIB, not a KEEPALIVE.
        Assert.IsType<UpdateMessage>(await peer.ReadAsync());
        Assert.Equal(BgpState.Established, a.State);
    }

    public static TheoryData<string, byte, byte> OpenErrors() => new()
    {
        { "bad peer as", 2, 2 },
        { "bad bgp id", 2, 3 },
        { "hold 2", 2, 6 },
        { "no common family", 2, 7 },
        { "version 3", 2, 1 },
    };

    [Theory]
    [MemberData(nameof(OpenErrors))]
    public async Task A_bad_OPEN_gets_the_right_NOTIFICATION(string what, byte code, byte subcode)
    {
        var time = new FakeTimeProvider();
        var ha = new RecordingHandler();
        var connector = new InMemoryConnector(AEnd, BEnd);
        RawPeer? peer = null;
        connector.Target = c => peer = new RawPeer(c);
        uint peerAs = what == "bad bgp id" ? 65001u : 65002u;
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, peerAs, 0x01010101), connector, ha, time);
        a.Start();
        await Poll.UntilAsync(() => peer is not null, "A connected");
        await peer!.ReadAsync<OpenMessage>();
        OpenMessage open = what switch
        {
            "bad peer as" => Sessions.PeerOpen(65099, 0x02020202),
            "bad bgp id" => Sessions.PeerOpen(65001, 0x01010101),
            "no common family" => Sessions.PeerOpen(65002, 0x02020202, 9, new MultiprotocolCapability(new AddressFamily(Afi.Ipv4, Safi.Multicast)), new FourOctetAsCapability(65002)),
            _ => Sessions.PeerOpen(65002, 0x02020202),
        };
        byte[] bytes = MessageCodec.Encode(open);
        if (what == "hold 2") (bytes[22], bytes[23]) = (0, 2); // hold time field (header 19 + version 1 + AS 2)
        if (what == "version 3") bytes[19] = 3;
        await peer.SendRawAsync(bytes);
        var n = await peer.ReadAsync<NotificationMessage>();
        Assert.Equal((BgpErrorCode)code, n.Code);
        Assert.Equal(subcode, n.Subcode);
        if (what == "no common family") Assert.Equal([1, 4, 0, 1, 0, 1, 1, 4, 0, 2, 0, 1], n.Data.ToArray()); // our MP capabilities (RFC 5492 §3)
        Assert.True(await peer.ClosedAsync());
        await Poll.UntilAsync(() => a.State is BgpState.Idle, "A back to Idle", () => a.State.ToString());
        Assert.Equal(0, ha.EstablishedCount);
    }

    [Fact]
    public async Task StopAsync_sends_Cease_administrative_shutdown_with_a_message()
    {
        var time = new FakeTimeProvider();
        await using var p = CreatePair(time);
        p.B.Start();
        p.A.Start();
        await BothEstablished(p);
        await p.A.StopAsync(CeaseSubcode.AdministrativeShutdown, "maintenance window");
        Assert.Equal(BgpState.Idle, p.A.State);
        await Poll.UntilAsync(() => p.HB.Downs.Count == 1, "B saw the session go down", () => p.HB.All);
        var down = p.HB.Downs.Single();
        Assert.Equal(SessionDownKind.NotificationReceived, down.Kind);
        Assert.Equal(BgpErrorCode.Cease, down.Notification!.Code);
        Assert.Equal((byte)CeaseSubcode.AdministrativeShutdown, down.Notification.Subcode);
        Assert.Equal("maintenance window", down.Notification.ShutdownMessage);
        Assert.Equal(SessionDownKind.Administrative, p.HA.Downs.Single().Kind);
    }

    /// <summary>A session to raw peers (one per connection attempt) with an idle-hold back-off of 1 s doubling up to 60 s.</summary>
    private sealed class FlappingPeer : IAsyncDisposable
    {
        public readonly FakeTimeProvider Time = new();
        public readonly InMemoryConnector Connector = new(AEnd, BEnd);
        public readonly System.Collections.Concurrent.ConcurrentQueue<RawPeer> Peers = new();
        public readonly ListLogger<BgpSession> Log = new();
        public readonly BgpSession Session;

        public FlappingPeer()
        {
            Connector.Target = c => Peers.Enqueue(new RawPeer(c));
            Session = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101,
                c => c with { IdleHold = IdleHoldBackoff.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(5)) }),
                Connector, new RecordingHandler(), Time, Log);
        }

        /// <summary>Connection <paramref name="n"/> (from 1) comes, the peer reads our OPEN and closes it with a Cease; waits for the idle-hold timer.</summary>
        public async Task FlapAsync(int n)
        {
            await Poll.UntilAsync(() => Peers.Count == n, $"connection {n}", () => $"{Peers.Count} {Session.State}");
            var peer = Peers.ElementAt(n - 1);
            await peer.ReadAsync<OpenMessage>();
            await peer.SendAsync(NotificationMessage.Cease(CeaseSubcode.OutOfResources));
            await Poll.UntilAsync(() => Log.Lines.Count(l => l.Contains("idle hold", StringComparison.Ordinal)) == n, "idle hold timer armed", () => Log.All);
        }

        public ValueTask DisposeAsync() => Session.DisposeAsync();
    }

    [Fact]
    public async Task After_a_flap_the_session_waits_an_idle_hold_that_doubles_then_reconnects()
    {
        await using var f = new FlappingPeer();
        var a = f.Session;
        var time = f.Time;
        var connector = f.Connector;
        a.Start();
        var expectedWait = new[] { 2, 4, 8 };
        for (int flap = 0; flap < 3; flap++)
        {
            await f.FlapAsync(flap + 1);
            // Not yet: just before the back-off, no new connection.
            time.Advance(TimeSpan.FromSeconds(expectedWait[flap]) - TimeSpan.FromMilliseconds(10));
            await Poll.UntilAsync(() => a.State == BgpState.Idle, "still Idle");
            Assert.Equal(flap + 1, connector.Attempts);
            time.Advance(TimeSpan.FromMilliseconds(10));
        }
        await Poll.UntilAsync(() => connector.Attempts == 4, "fourth connection attempt after 8 s idle hold", () => connector.Attempts.ToString());
    }

    [Fact]
    public async Task An_explicit_start_resets_the_idle_hold_backoff_grown_by_earlier_flaps()
    {
        // Seen in the BFD lab: link cuts grew the back-off; after BFD came Up again (stop, then start)
        // a collision flap made the session wait the grown back-off (over a minute) instead of 2 s.
        await using var f = new FlappingPeer();
        var a = f.Session;
        a.Start();
        // Three flaps: the back-off grows 2, 4, 8 s.
        await f.FlapAsync(1);
        f.Time.Advance(TimeSpan.FromSeconds(2));
        await f.FlapAsync(2);
        f.Time.Advance(TimeSpan.FromSeconds(4));
        await f.FlapAsync(3);
        // Stopped during the 8 s wait, then started again: connects at once.
        await a.StopAsync();
        a.Start();
        await f.FlapAsync(4);
        // The next flap waits the first step of the back-off (2 s), not 16 s.
        f.Time.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(10));
        await Poll.UntilAsync(() => a.State == BgpState.Idle, "still Idle");
        Assert.Equal(4, f.Connector.Attempts);
        f.Time.Advance(TimeSpan.FromMilliseconds(10));
        await Poll.UntilAsync(() => f.Connector.Attempts == 5, "fifth connection attempt 2 s after the flap", () => $"{f.Connector.Attempts} {f.Log.All}");
    }

    [Fact]
    public async Task Unreachable_peer_is_retried_every_ConnectRetryTime()
    {
        var time = new FakeTimeProvider();
        var connector = new InMemoryConnector(AEnd, BEnd) { Refuse = true };
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101), connector, new RecordingHandler(), time);
        a.Start();
        await Poll.UntilAsync(() => connector.Attempts == 1 && a.State == BgpState.Active, "first attempt failed, Active", () => $"{connector.Attempts} {a.State}");
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(1, connector.Attempts);
        time.Advance(TimeSpan.FromSeconds(1));
        await Poll.UntilAsync(() => connector.Attempts == 2, "second attempt after 10 s", () => connector.Attempts.ToString());
    }

    private sealed class HangingConnector : IBgpConnector
    {
        public int Attempts => _attempts;
        private int _attempts;
        public string? NoAnswerHint => "test hint";

        public async ValueTask<IBgpConnection> ConnectAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    [Fact]
    public async Task A_connect_that_never_answers_is_retried_and_logged_every_ConnectRetryTime()
    {
        var time = new FakeTimeProvider();
        var connector = new HangingConnector();
        var log = new ListLogger<BgpSession>();
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101), connector, new RecordingHandler(), time, log);
        a.Start();
        for (int n = 1; n <= 3; n++)
        {
            int expected = n;
            await Poll.UntilAsync(() => connector.Attempts == expected, $"attempt {expected}", () => $"{connector.Attempts} {a.State}\n{log.All}");
            // Attempt n starts after the ConnectRetryTimer was re-armed (StartConnectRetryTimer precedes Connect).
            time.Advance(TimeSpan.FromSeconds(10));
        }
        await Poll.UntilAsync(() => connector.Attempts == 4, "attempt 4");
        Assert.Equal(3, log.Lines.Count(l => l.Contains("no answer within ConnectRetryTime (10 s); test hint", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Send_hold_timer_tears_down_a_session_whose_peer_stops_reading()
    {
        var time = new FakeTimeProvider();
        var ha = new RecordingHandler();
        var connector = new InMemoryConnector(AEnd, BEnd)
        {
            PipeOptions = new PipeOptions(pauseWriterThreshold: 4096, resumeWriterThreshold: 2048, useSynchronizationContext: false),
        };
        RawPeer? peer = null;
        connector.Target = c => peer = new RawPeer(c);
        var log = new ListLogger<BgpSession>();
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101), connector, ha, time, log);
        a.Start();
        await Poll.UntilAsync(() => peer is not null, "A connected");
        await peer!.ReadAsync<OpenMessage>();
        await peer.SendAsync(Sessions.PeerOpen(65002, 0x02020202));
        await peer.ReadAsync<KeepaliveMessage>();
        await peer.SendAsync(KeepaliveMessage.Instance);
        await Poll.UntilAsync(() => a.State == BgpState.Established, "A Established", () => ha.All);

        // The peer stops reading; A keeps queueing until its flush blocks.
        var update = Sessions.Update(a.Negotiated!.EncodeContext, Sessions.Attrs(65001, "10.0.0.1"), "192.0.2.0/24");
        for (int i = 0; i < 1000; i++) a.TryEnqueueUpdates(update);
        // Keep A's hold timer alive from the peer side while time passes: 8 minutes of keepalives.
        for (int s = 0; s < 480 && ha.Downs.IsEmpty; s += 3)
        {
            long seen = a.MessagesReceived;
            await peer.SendAsync(KeepaliveMessage.Instance);
            await Poll.UntilAsync(() => a.MessagesReceived >= seen + 1 || !ha.Downs.IsEmpty, "A handled the peer's KEEPALIVE", () => log.All);
            time.Advance(TimeSpan.FromSeconds(3));
        }
        await Poll.UntilAsync(() => ha.Downs.Count == 1, "Down after SendHoldTime", () => ha.All + "\n" + log.All);
        Assert.Equal(SessionDownKind.SendHoldTimerExpired, ha.Downs.Single().Kind);
        // Teardown bounds the final write to a peer that does not read with a timeout on the session's
        // clock (the fake one here): keep that clock moving until the session is disposed.
        var disposing = a.DisposeAsync().AsTask();
        await Poll.UntilAsync(() => { time.Advance(TimeSpan.FromSeconds(1)); return disposing.IsCompleted; }, "A disposed (close timeout on the fake clock)", () => log.All);
        await disposing;
    }
}

public class SessionErrorTests
{
    private static async Task<(BgpSession Session, RawPeer Peer, RecordingHandler Handler)> EstablishedWithRawPeer(FakeTimeProvider time)
    {
        var ha = new RecordingHandler();
        var connector = new InMemoryConnector(new IPEndPoint(Sessions.A, 50001), new IPEndPoint(Sessions.B, 179));
        RawPeer? peer = null;
        connector.Target = c => peer = new RawPeer(c);
        var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101), connector, ha, time);
        a.Start();
        await Poll.UntilAsync(() => peer is not null, "connected");
        await peer!.ReadAsync<OpenMessage>();
        await peer.SendAsync(Sessions.PeerOpen(65002, 0x02020202));
        await peer.ReadAsync<KeepaliveMessage>();
        await peer.SendAsync(KeepaliveMessage.Instance);
        await Poll.UntilAsync(() => ha.EstablishedCount == 1, "Established", () => ha.All);
        return (a, peer, ha);
    }

    [Fact]
    public async Task Treat_as_withdraw_is_passed_on_and_the_session_stays_up()
    {
        var time = new FakeTimeProvider();
        var (a, peer, ha) = await EstablishedWithRawPeer(time);
        await using var _ = a;
        // Loopback next hop: semantically wrong (RFC 7606 §7.3) -> treat-as-withdraw.
        await peer.SendRawAsync(Sessions.Update(default, Sessions.Attrs(65002, "127.0.0.1"), "192.0.2.0/24"));
        await Poll.UntilAsync(() => ha.Withdrawn.Count == 1, "the prefix handed on as withdrawn", () => ha.All);
        Assert.Contains("update TreatAsWithdraw", ha.All, StringComparison.Ordinal);
        Assert.Empty(ha.Announced);
        Assert.Equal(BgpState.Established, a.State);
    }

    [Fact]
    public async Task A_session_reset_error_sends_the_UPDATE_error_NOTIFICATION()
    {
        var time = new FakeTimeProvider();
        var (a, peer, ha) = await EstablishedWithRawPeer(time);
        await using var _ = a;
        // Withdrawn routes length larger than the message: Malformed Attribute List (RFC 7606 §5.3: session reset).
        byte[] bad = new byte[BgpFraming.HeaderLength + 4];
        BgpFraming.WriteHeader(bad, bad.Length, BgpMessageType.Update);
        bad[19] = 0;
        bad[20] = 200;
        await peer.SendRawAsync(bad);
        var n = await peer.ReadAsync<NotificationMessage>();
        Assert.Equal(BgpErrorCode.UpdateMessage, n.Code);
        Assert.Equal((byte)UpdateMessageSubcode.MalformedAttributeList, n.Subcode);
        await Poll.UntilAsync(() => ha.Downs.Count == 1, "Down", () => ha.All);
        Assert.Equal(SessionDownKind.NotificationSent, ha.Downs.Single().Kind);
    }

    [Fact]
    public async Task Bad_marker_is_a_message_header_error()
    {
        var time = new FakeTimeProvider();
        var (a, peer, ha) = await EstablishedWithRawPeer(time);
        await using var _ = a;
        byte[] bad = MessageCodec.Encode(KeepaliveMessage.Instance);
        bad[3] = 0;
        await peer.SendRawAsync(bad);
        var n = await peer.ReadAsync<NotificationMessage>();
        Assert.Equal(BgpErrorCode.MessageHeader, n.Code);
        Assert.Equal((byte)MessageHeaderSubcode.ConnectionNotSynchronized, n.Subcode);
    }

    [Fact]
    public async Task UPDATE_before_Established_is_an_FSM_error_in_OpenConfirm()
    {
        var time = new FakeTimeProvider();
        var ha = new RecordingHandler();
        var connector = new InMemoryConnector(new IPEndPoint(Sessions.A, 50001), new IPEndPoint(Sessions.B, 179));
        RawPeer? peer = null;
        connector.Target = c => peer = new RawPeer(c);
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101), connector, ha, time);
        a.Start();
        await Poll.UntilAsync(() => peer is not null, "connected");
        await peer!.ReadAsync<OpenMessage>();
        await peer.SendAsync(Sessions.PeerOpen(65002, 0x02020202));
        await peer.ReadAsync<KeepaliveMessage>();
        await peer.SendRawAsync(Sessions.Update(default, Sessions.Attrs(65002, "192.0.2.1"), "192.0.2.0/24"));
        var n = await peer.ReadAsync<NotificationMessage>();
        Assert.Equal(BgpErrorCode.FiniteStateMachine, n.Code);
        Assert.Equal((byte)FsmErrorSubcode.UnexpectedMessageInOpenConfirm, n.Subcode);
        Assert.Equal(0, ha.EstablishedCount);
    }

    [Fact]
    public async Task Inbound_connection_while_stopped_is_refused()
    {
        var time = new FakeTimeProvider();
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101), null, new RecordingHandler(), time);
        await a.StopAsync();
        var (client, server) = InMemoryConnection.CreatePair(new IPEndPoint(Sessions.B, 40000), new IPEndPoint(Sessions.A, 179));
        a.AcceptConnection(server);
        Assert.True(await new RawPeer(client).ClosedAsync(), "refused connection is closed");
        Assert.Equal(BgpState.Idle, a.State);
    }
}
