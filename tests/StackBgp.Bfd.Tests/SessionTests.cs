using StackBgp.Bfd;
using static StackBgp.Bfd.Tests.SessionHarness;

namespace StackBgp.Bfd.Tests;

public class SessionTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public void Two_sessions_come_up_through_init()
    {
        var h = new SessionHarness(Config(50, 50), Config(50, 50));
        h.RunUntil(() => h.A.State == BfdState.Up && h.B.State == BfdState.Up, Limit, "both Up");
        // A sends Down first; B goes Init; A goes Up on Init; B goes Up on Up.
        Assert.Equal([("B", BfdState.Down, BfdState.Init), ("A", BfdState.Down, BfdState.Up), ("B", BfdState.Init, BfdState.Up)],
            h.Changes.Select(c => (c.Who, c.Change.Old, c.Change.New)));
        Assert.Equal(0xBu, h.A.RemoteDiscriminator);
        Assert.Equal(0xAu, h.B.RemoteDiscriminator);
    }

    [Fact]
    public void Transmits_at_one_second_while_not_up()
    {
        var a = new BfdSession(Config(50, 50), 1, 0, () => 1.0);
        Assert.Equal(BfdSessionOutput.Send, a.Tick(0));
        var buffer = new byte[BfdCodec.MaxLength];
        a.BuildPacket(buffer, false);
        BfdCodec.TryDecode(buffer, out var packet, out _);
        Assert.Equal(1_000_000u, packet.DesiredMinTxUs); // §6.8.3
        Assert.Equal(50_000u, packet.RequiredMinRxUs);
        Assert.Equal(1_000_000, a.NextTransmitUs);
    }

    [Fact]
    public void Going_up_polls_to_reach_fast_timers_and_no_state_changes_after()
    {
        var h = new SessionHarness(Config(50, 50), Config(50, 50));
        h.RunUntil(() => h.A.State == BfdState.Up && h.B.State == BfdState.Up, Limit, "both Up");
        h.RunUntil(() => !h.A.PollActive && !h.B.PollActive, Limit, "poll sequences finished");
        Assert.Contains(h.Wire, w => w.Packet.Poll);
        Assert.Contains(h.Wire, w => w.Packet.Final);
        Assert.Equal(50_000u, h.A.TransmitIntervalUs);
        Assert.Equal(150_000, h.A.DetectionTimeUs);
        int changes = h.Changes.Count;
        h.RunFor(TimeSpan.FromSeconds(5));
        Assert.Equal(changes, h.Changes.Count);
        // Steady state: A sends every 50 ms (jitter pinned at 100 %).
        var last = h.Wire.Where(w => w.From == "A" && !w.Packet.Final).TakeLast(10).Select(w => w.Time).ToArray();
        Assert.All(last.Zip(last.Skip(1)), p => Assert.Equal(50_000, p.Second - p.First));
    }

    [Fact]
    public void Negotiates_intervals_as_max_of_local_tx_and_remote_rx()
    {
        var h = new SessionHarness(Config(50, 50), Config(300, 300, mult: 5));
        h.RunUntil(() => h.A.State == BfdState.Up && h.B.State == BfdState.Up && !h.A.PollActive && !h.B.PollActive, Limit, "Up and settled");
        Assert.Equal(300_000u, h.A.TransmitIntervalUs);   // max(50, remote rx 300)
        Assert.Equal(300_000u, h.B.TransmitIntervalUs);   // max(300, remote rx 50)
        Assert.Equal(5 * 300_000, h.A.DetectionTimeUs);   // B's mult 5 × max(A rx 50, B tx 300)
        Assert.Equal(3 * 300_000, h.B.DetectionTimeUs);   // A's mult 3 × max(B rx 300, A tx 50)
    }

    [Theory]
    [InlineData(3, 0.0, 37_500)]     // 75 %
    [InlineData(3, 0.999999, 49_999)] // just under 100 %
    [InlineData(1, 0.999999, 44_999)] // at most 90 % with Detect Mult 1
    [InlineData(1, 0.0, 37_500)]
    public void Jitters_transmit_interval(byte mult, double random, long expectedUs)
    {
        var h = new SessionHarness(Config(50, 50, mult), Config(50, 50, mult), random);
        h.RunUntil(() => h.A.State == BfdState.Up && !h.A.PollActive && !h.B.PollActive, Limit, "Up and settled");
        h.A.Tick(h.A.NextTransmitUs);
        Assert.Equal(h.A.LastScheduledTransmitUs + expectedUs, h.A.NextTransmitUs);
    }

    [Fact]
    public void Detection_time_expiry_brings_session_down_with_diag_1()
    {
        var h = new SessionHarness(Config(50, 50), Config(50, 50));
        h.RunUntil(() => h.A.State == BfdState.Up && !h.A.PollActive && !h.B.PollActive, Limit, "Up and settled");
        h.DeliverFromB = false;
        long lastHeard = h.Wire.Last(w => w.From == "B").Time;
        h.RunUntil(() => h.A.State == BfdState.Down, Limit, "A Down");
        Assert.Equal(lastHeard + 150_000, h.Now);
        Assert.Equal(BfdDiagnostic.ControlDetectionTimeExpired, h.A.LocalDiagnostic);
        Assert.Equal(0u, h.A.RemoteDiscriminator);
        Assert.Equal(1, h.A.SessionDowns);
        // B then hears A's Down and goes Down with "neighbor signaled session down".
        h.RunUntil(() => h.B.State == BfdState.Down, Limit, "B Down");
        Assert.Equal(BfdDiagnostic.NeighborSignaledSessionDown, h.B.LocalDiagnostic);
        Assert.Equal(BfdDiagnostic.ControlDetectionTimeExpired, h.B.RemoteDiagnostic);
    }

    [Fact]
    public void Increasing_tx_while_up_polls_and_applies_only_after_final_without_flap()
    {
        var h = new SessionHarness(Config(50, 50), Config(50, 50));
        h.RunUntil(() => h.A.State == BfdState.Up && !h.A.PollActive && !h.B.PollActive, Limit, "Up and settled");
        int changes = h.Changes.Count;
        h.DeliverFromB = false; // hold B's Final back to observe the poll in progress
        h.Reconfigure(h.A, Config(300, 300));
        Assert.True(h.A.PollActive);
        var poll = h.Wire.Last(w => w.From == "A");
        Assert.True(poll.Packet.Poll);
        Assert.Equal(300_000u, poll.Packet.DesiredMinTxUs);
        Assert.Equal(300_000u, poll.Packet.RequiredMinRxUs);
        Assert.Equal(50_000u, h.A.TransmitIntervalUs);     // unchanged until the Final (§6.8.3)
        h.DeliverFromB = true;
        h.RunUntil(() => !h.A.PollActive, Limit, "poll completed");
        Assert.Equal(300_000u, h.A.TransmitIntervalUs);
        Assert.Equal(300_000u, h.B.TransmitIntervalUs);      // B follows A's new required min rx
        Assert.Equal(900_000, h.B.DetectionTimeUs);
        h.RunFor(TimeSpan.FromSeconds(5));
        Assert.Equal(changes, h.Changes.Count);
        Assert.Equal(BfdState.Up, h.A.State);
        Assert.Equal(BfdState.Up, h.B.State);
    }

    [Fact]
    public void Reducing_rx_while_up_keeps_old_detection_time_until_final()
    {
        var h = new SessionHarness(Config(300, 300), Config(300, 300));
        h.RunUntil(() => h.A.State == BfdState.Up && !h.A.PollActive && !h.B.PollActive, Limit, "Up and settled");
        h.DeliverFromB = false;
        h.Reconfigure(h.A, Config(50, 50));
        Assert.Equal(900_000, h.A.DetectionTimeUs);  // old 300 ms rx still in use
        h.DeliverFromB = true;
        h.RunUntil(() => !h.A.PollActive && !h.B.PollActive, Limit, "poll completed");
        Assert.Equal(900_000, h.A.DetectionTimeUs); // B still sends at 300
        h.Reconfigure(h.B, Config(50, 50));
        h.RunUntil(() => !h.A.PollActive && !h.B.PollActive, Limit, "second poll completed");
        h.RunFor(TimeSpan.FromMilliseconds(500));
        Assert.Equal(150_000, h.A.DetectionTimeUs);
        Assert.Equal(50_000u, h.A.TransmitIntervalUs);
        Assert.All(h.Changes, c => Assert.NotEqual(BfdState.Down, c.Change.New));
    }

    [Fact]
    public void Answers_poll_with_final_immediately()
    {
        var a = new BfdSession(Config(50, 50), 1, 0, () => 1.0);
        var packet = new BfdControlPacket(BfdState.Down, BfdDiagnostic.None, BfdFlags.Poll, 3, 99, 0, 1_000_000, 50_000);
        var output = a.Receive(default, packet, BfdAuthSection.Absent, 10);
        Assert.True((output & BfdSessionOutput.SendFinal) != 0);
        var buffer = new byte[BfdCodec.MaxLength];
        a.BuildPacket(buffer, final: true);
        BfdCodec.TryDecode(buffer, out var reply, out _);
        Assert.True(reply.Final);
        Assert.False(reply.Poll);
        Assert.Equal(99u, reply.YourDiscriminator);
        Assert.Equal(BfdState.Init, reply.State);
    }

    [Fact]
    public void Admin_shutdown_signals_peer_which_goes_down_with_diag_3()
    {
        var h = new SessionHarness(Config(50, 50), Config(50, 50));
        h.RunUntil(() => h.A.State == BfdState.Up && h.B.State == BfdState.Up, Limit, "both Up");
        h.Reconfigure(h.A, Config(50, 50) with { Shutdown = true });
        Assert.Equal(BfdState.AdminDown, h.A.State);
        Assert.Equal(BfdDiagnostic.AdministrativelyDown, h.A.LocalDiagnostic);
        Assert.Equal(BfdState.Down, h.B.State);
        Assert.Equal(BfdDiagnostic.NeighborSignaledSessionDown, h.B.LocalDiagnostic);
        h.RunFor(TimeSpan.FromSeconds(3));
        Assert.Equal(BfdState.AdminDown, h.A.State);
        Assert.Equal(BfdState.Down, h.B.State);
        h.Reconfigure(h.A, Config(50, 50));
        h.RunUntil(() => h.A.State == BfdState.Up && h.B.State == BfdState.Up, Limit, "both Up again");
    }

    [Fact]
    public void Passive_session_waits_for_the_peer()
    {
        var h = new SessionHarness(Config(50, 50) with { Passive = true }, Config(50, 50) with { Passive = true });
        h.RunFor(TimeSpan.FromSeconds(3));
        Assert.Empty(h.Wire);
        Assert.Equal(BfdState.Down, h.A.State);
        var active = new SessionHarness(Config(50, 50) with { Passive = true }, Config(50, 50));
        active.RunUntil(() => active.A.State == BfdState.Up && active.B.State == BfdState.Up, Limit, "Up with one passive side");
        Assert.Equal("B", active.Wire[0].From);
    }

    [Fact]
    public void Stops_transmitting_when_remote_min_rx_is_zero()
    {
        var a = new BfdSession(Config(50, 50), 1, 0, () => 1.0);
        a.Tick(0);
        var packet = new BfdControlPacket(BfdState.Down, BfdDiagnostic.None, BfdFlags.None, 3, 99, 0, 1_000_000, 0);
        a.Receive(default, packet, BfdAuthSection.Absent, 10);
        Assert.Equal(BfdSession.Never, a.NextTransmitUs);
    }

    [Fact]
    public void Authenticated_sessions_come_up_and_wrong_key_never_does()
    {
        var auth = new BfdAuthConfig(BfdAuthType.MeticulousKeyedSha1, 1, "k1"u8.ToArray());
        var ok = new SessionHarness(Config(50, 50) with { Authentication = auth }, Config(50, 50) with { Authentication = auth });
        ok.RunUntil(() => ok.A.State == BfdState.Up && ok.B.State == BfdState.Up, Limit, "authenticated Up");
        Assert.All(ok.Wire, w => Assert.True(w.Packet.AuthenticationPresent));

        var bad = new SessionHarness(Config(50, 50) with { Authentication = auth },
            Config(50, 50) with { Authentication = auth with { Key = "k2"u8.ToArray() } });
        bad.RunFor(TimeSpan.FromSeconds(5));
        Assert.Equal(BfdState.Down, bad.A.State);
        Assert.True(bad.A.AuthFailures > 0);

        var missing = new SessionHarness(Config(50, 50) with { Authentication = auth }, Config(50, 50));
        missing.RunFor(TimeSpan.FromSeconds(5));
        Assert.Equal(BfdState.Down, missing.A.State);
        Assert.Equal(BfdState.Down, missing.B.State);
    }
}
