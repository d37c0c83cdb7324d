using System.Net;
using Microsoft.Extensions.Time.Testing;
using StackBgp.Wire;
using Xunit;

namespace StackBgp.Session.Tests;

/// <summary>Graceful restart in the session layer: the N bit (RFC 8538), Hard Reset on send, the R/F bits of our OPEN.</summary>
public class GracefulRestartSessionTests
{
    private static readonly GracefulRestartCapability Restart = new(false, true, 120, [new GracefulRestartFamily(AddressFamily.Ipv4Unicast, true)]);

    private static OpenMessage Open(GracefulRestartCapability? gr) =>
        Sessions.PeerOpen(65002, 0x02020202, 9, gr is null ? [new FourOctetAsCapability(65002)] : [new FourOctetAsCapability(65002), gr]);

    [Fact]
    public void N_bit_is_negotiated_only_when_both_opens_carry_it()
    {
        var withN = Open(Restart);
        var withoutN = Open(Restart with { Notification = false });
        Assert.True(GracefulRestartNotification.Negotiated(withN, withN));
        Assert.False(GracefulRestartNotification.Negotiated(withN, withoutN));
        Assert.False(GracefulRestartNotification.Negotiated(withoutN, withN));
        Assert.False(GracefulRestartNotification.Negotiated(withN, Open(null)));

        var cfg = Sessions.Config(IPAddress.Parse("192.0.2.2"), 65001, 65002, 0x01010101, c => c with { GracefulRestart = Restart });
        var ours = CapabilityNegotiation.BuildOpen(cfg);
        Assert.True(CapabilityNegotiation.TryNegotiate(cfg, ours, withN, null, null, out var s, out _));
        Assert.True(s!.GracefulRestartNotification);
        Assert.True(CapabilityNegotiation.TryNegotiate(cfg, ours, withoutN, null, null, out s, out _));
        Assert.False(s!.GracefulRestartNotification);
    }

    [Theory]
    [InlineData(CeaseSubcode.MaximumPrefixesReached, true, true)]
    [InlineData(CeaseSubcode.AdministrativeShutdown, true, true)]
    [InlineData(CeaseSubcode.PeerDeconfigured, true, true)]
    [InlineData(CeaseSubcode.BfdDown, true, true)]
    [InlineData(CeaseSubcode.AdministrativeReset, true, true)]
    [InlineData(CeaseSubcode.AdministrativeReset, false, false)]
    [InlineData(CeaseSubcode.OtherConfigurationChange, true, false)]
    [InlineData(CeaseSubcode.OutOfResources, true, false)]
    [InlineData(CeaseSubcode.ConnectionCollisionResolution, true, false)]
    public void Rfc8538_table_decides_which_cease_becomes_a_hard_reset(CeaseSubcode subcode, bool hardAdminReset, bool hard)
    {
        var cease = NotificationMessage.Cease(subcode);
        var sent = GracefulRestartNotification.ForSending(cease, negotiated: true, hardAdminReset);
        Assert.Equal(hard, GracefulRestartNotification.IsHardReset(sent));
        if (hard)
        {
            Assert.Equal(BgpErrorCode.Cease, sent.HardResetInner!.Code);
            Assert.Equal((byte)subcode, sent.HardResetInner.Subcode);
        }
        // without the N bit nothing changes
        Assert.Same(cease, GracefulRestartNotification.ForSending(cease, negotiated: false, hardAdminReset));
    }

    [Fact]
    public void Only_a_dropped_transport_or_a_non_hard_notification_with_the_n_bit_keeps_routes()
    {
        var hold = new NotificationMessage(BgpErrorCode.HoldTimerExpired, 0);
        Assert.True(GracefulRestartNotification.KeepsRoutes(null, negotiated: false));
        Assert.False(GracefulRestartNotification.KeepsRoutes(hold, negotiated: false));
        Assert.True(GracefulRestartNotification.KeepsRoutes(hold, negotiated: true));
        Assert.False(GracefulRestartNotification.KeepsRoutes(NotificationMessage.HardReset(NotificationMessage.Cease(CeaseSubcode.AdministrativeShutdown)), negotiated: true));
        // an UPDATE error with subcode 9 is not a Hard Reset (only Cease/9 is)
        Assert.True(GracefulRestartNotification.KeepsRoutes(new NotificationMessage(BgpErrorCode.UpdateMessage, 9), negotiated: true));
    }

    [Fact]
    public async Task With_the_n_bit_an_administrative_stop_is_sent_as_a_hard_reset_and_reported_as_such()
    {
        var time = new FakeTimeProvider();
        var ha = new RecordingHandler();
        var connector = new InMemoryConnector(new IPEndPoint(Sessions.A, 50001), new IPEndPoint(Sessions.B, 179));
        RawPeer? peer = null;
        connector.Target = c => peer = new RawPeer(c);
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101, c => c with { GracefulRestart = Restart }), connector, ha, time);
        a.Start();
        await Poll.UntilAsync(() => peer is not null, "connected");
        var ours = await peer!.ReadAsync<OpenMessage>();
        Assert.True(ours.GetCapability<GracefulRestartCapability>()!.Notification);
        await peer.SendAsync(Open(Restart));
        await peer.ReadAsync<KeepaliveMessage>();
        await peer.SendAsync(KeepaliveMessage.Instance);
        await Poll.UntilAsync(() => ha.EstablishedCount == 1, "Established", () => ha.All);
        Assert.True(ha.Negotiated!.GracefulRestartNotification);

        await a.StopAsync(CeaseSubcode.AdministrativeShutdown, "decommissioned");
        var n = await peer.ReadAsync<NotificationMessage>();
        Assert.True(GracefulRestartNotification.IsHardReset(n), n.ToString());
        Assert.Equal((byte)CeaseSubcode.AdministrativeShutdown, n.HardResetInner!.Subcode);
        var down = Assert.Single(ha.Downs);
        Assert.True(GracefulRestartNotification.IsHardReset(down.Notification), down.Text);
    }

    [Fact]
    public async Task A_stop_for_restart_closes_the_connection_without_a_notification_even_with_the_n_bit()
    {
        var time = new FakeTimeProvider();
        var ha = new RecordingHandler();
        var connector = new InMemoryConnector(new IPEndPoint(Sessions.A, 50001), new IPEndPoint(Sessions.B, 179));
        RawPeer? peer = null;
        connector.Target = c => peer = new RawPeer(c);
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101, c => c with { GracefulRestart = Restart }), connector, ha, time);
        a.Start();
        await Poll.UntilAsync(() => peer is not null, "connected");
        await peer!.ReadAsync<OpenMessage>();
        await peer.SendAsync(Open(Restart));
        await peer.ReadAsync<KeepaliveMessage>();
        await peer.SendAsync(KeepaliveMessage.Instance);
        await Poll.UntilAsync(() => ha.EstablishedCount == 1, "Established", () => ha.All);
        Assert.True(ha.Negotiated!.GracefulRestartNotification);

        await a.StopForRestartAsync();
        // the next thing the peer sees is the end of the connection: no NOTIFICATION (RFC 4724 §4.2 restart)
        await Assert.ThrowsAsync<IOException>(() => peer.ReadAsync());
        var down = Assert.Single(ha.Downs);
        Assert.Null(down.Notification);
        Assert.Equal(SessionDownKind.Administrative, down.Kind);
        Assert.Equal(BgpState.Idle, a.State);
    }

    [Fact]
    public async Task The_restart_bits_of_our_open_can_be_replaced_for_the_next_sessions()
    {
        var time = new FakeTimeProvider();
        var ha = new RecordingHandler();
        var connector = new InMemoryConnector(new IPEndPoint(Sessions.A, 50001), new IPEndPoint(Sessions.B, 179));
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101, c => c with { GracefulRestart = Restart with { Restarting = true } }), connector, ha, time);
        Assert.True(a.LocalOpen.GetCapability<GracefulRestartCapability>()!.Restarting);
        Assert.True(a.LocalOpen.GetCapability<GracefulRestartCapability>()!.Families[0].ForwardingPreserved);
        a.SetGracefulRestart(Restart);
        Assert.False(a.LocalOpen.GetCapability<GracefulRestartCapability>()!.Restarting);
        Assert.False(a.Config.GracefulRestart!.Restarting);

        RawPeer? peer = null;
        connector.Target = c => peer = new RawPeer(c);
        a.Start();
        await Poll.UntilAsync(() => peer is not null, "connected");
        var sent = await peer!.ReadAsync<OpenMessage>();
        Assert.False(sent.GetCapability<GracefulRestartCapability>()!.Restarting);
    }

    [Fact]
    public async Task A_connection_lost_in_open_sent_is_not_the_reason_a_later_session_ends()
    {
        var time = new FakeTimeProvider();
        var ha = new RecordingHandler();
        var connector = new InMemoryConnector(new IPEndPoint(Sessions.A, 50001), new IPEndPoint(Sessions.B, 179));
        var peers = new System.Collections.Concurrent.ConcurrentQueue<RawPeer>();
        connector.Target = c => peers.Enqueue(new RawPeer(c));
        await using var a = new BgpSession(Sessions.Config(Sessions.B, 65001, 65002, 0x01010101, c => c with { GracefulRestart = Restart }), connector, ha, time);
        a.Start();
        await Poll.UntilAsync(() => peers.Count == 1, "first connection");
        peers.TryDequeue(out var first);
        await first!.ReadAsync<OpenMessage>();
        // the peer closes in OpenSent: RFC 4271 goes to Active (not Idle), then retries
        first.Connection.Output.Complete();
        await Poll.UntilAsync(() => a.State == BgpState.Active, "Active after the connection failed in OpenSent", () => a.State.ToString());
        for (int s = 0; s < 15 && peers.IsEmpty; s++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }
        await Poll.UntilAsync(() => peers.Count == 1, "second connection after ConnectRetryTime", () => a.State.ToString());
        peers.TryDequeue(out var peer);
        await peer!.ReadAsync<OpenMessage>();
        await peer.SendAsync(Open(Restart with { Notification = false }));
        await peer.ReadAsync<KeepaliveMessage>();
        await peer.SendAsync(KeepaliveMessage.Instance);
        await Poll.UntilAsync(() => ha.EstablishedCount == 1, "Established", () => ha.All);

        // the peer goes silent: the session ends on the hold timer, and says so (no N bit: routes are not kept)
        for (int s = 0; s < 12 && ha.Downs.IsEmpty; s++) time.Advance(TimeSpan.FromSeconds(1));
        await Poll.UntilAsync(() => ha.Downs.Count == 1, "Down after the hold time", () => ha.All);
        var down = ha.Downs.Single();
        Assert.Equal(SessionDownKind.HoldTimerExpired, down.Kind);
        Assert.False(GracefulRestartNotification.KeepsRoutes(down.Notification, ha.Negotiated!.GracefulRestartNotification));
    }
}
