using StackBgp.Wire;
using Xunit;

namespace StackBgp.Session.Tests;

/// <summary>The rows of §8.2.2 that depend on optional attributes (§8.1.1) and on event data.</summary>
public class FsmOptionTests
{
    private static string Run(BgpState state, FsmEvent e, FsmOptions o, bool delayRunning, out FsmState next)
    {
        FsmResult r = BgpFsm.Step(new FsmState(state, 5, delayRunning), o, FsmTableTests.InputFor(e));
        next = r.State;
        return FsmTableTests.Format(r);
    }

    [Theory]
    [InlineData(BgpState.Connect)]
    [InlineData(BgpState.Active)]
    public void DelayOpen_starts_the_DelayOpenTimer_instead_of_sending_OPEN(BgpState state)
    {
        string a = Run(state, FsmEvent.TcpConnectionConfirmed, new FsmOptions { DelayOpen = true }, false, out var next);
        Assert.Equal("StopConnectRetryTimer StartDelayOpenTimer", a);
        Assert.Equal(state, next.State);
        Assert.True(next.DelayOpenTimerRunning);
    }

    [Fact]
    public void Connect_TcpConnectionFails_with_DelayOpenTimer_running_goes_to_Active()
    {
        string a = Run(BgpState.Connect, FsmEvent.TcpConnectionFails, new FsmOptions { DelayOpen = true }, true, out var next);
        Assert.Equal("StartConnectRetryTimer StopDelayOpenTimer", a);
        Assert.Equal(new FsmState(BgpState.Active, 5), next);
    }

    [Theory]
    [InlineData(BgpState.Connect)]
    [InlineData(BgpState.Active)]
    public void NotifMsgVerErr_with_DelayOpenTimer_running_does_not_count_a_failure(BgpState state)
    {
        string a = Run(state, FsmEvent.NotifMsgVerErr, new FsmOptions { DelayOpen = true }, true, out var next);
        Assert.Equal("StopConnectRetryTimer StopDelayOpenTimer ReleaseResources DropConnection", a);
        Assert.Equal(new FsmState(BgpState.Idle, 5), next);
    }

    [Fact]
    public void Active_ManualStop_with_DelayOpenTimer_running_sends_Cease_when_allowed_without_OPEN()
    {
        string a = Run(BgpState.Active, FsmEvent.ManualStop, new FsmOptions { DelayOpen = true, SendNotificationWithoutOpen = true }, true, out var next);
        Assert.Equal("Notify(6/2) ReleaseResources StopDelayOpenTimer DropConnection StopConnectRetryTimer", a);
        Assert.Equal(BgpState.Idle, next.State);
    }

    [Theory]
    [InlineData(BgpState.Connect)]
    [InlineData(BgpState.Active)]
    public void Header_error_before_OPEN_is_notified_only_with_SendNotificationWithoutOpen(BgpState state)
    {
        string a = Run(state, FsmEvent.BGPHeaderErr, new FsmOptions { SendNotificationWithoutOpen = true }, false, out _);
        Assert.StartsWith("Notify(1/2) ", a, StringComparison.Ordinal);
    }

    [Fact]
    public void Passive_peer_starts_in_Active_after_idle_hold_and_never_connects_out()
    {
        var passive = new FsmOptions { PassiveTcpEstablishment = true };
        Assert.Equal("InitializeResources StartConnectRetryTimer", Run(BgpState.Idle, FsmEvent.IdleHoldTimer_Expires, passive, false, out var next));
        Assert.Equal(BgpState.Active, next.State);
        Assert.Equal("StartConnectRetryTimer", Run(BgpState.Active, FsmEvent.ConnectRetryTimer_Expires, passive, false, out next));
        Assert.Equal(BgpState.Active, next.State);
    }

    [Fact]
    public void Without_DampPeerOscillations_no_damping_action_is_emitted()
    {
        var noDamp = new FsmOptions { DampPeerOscillations = false };
        foreach (BgpState s in Enum.GetValues<BgpState>())
        {
            foreach (FsmEvent e in Enum.GetValues<FsmEvent>())
            {
                FsmResult r = BgpFsm.Step(new FsmState(s, 5), noDamp, FsmTableTests.InputFor(e));
                Assert.False(r.Contains(FsmActionKind.DampPeerOscillations), $"{s} × {e}");
            }
        }
    }

    [Theory]
    [InlineData(BgpState.OpenSent, FsmEvent.BGPOpen)]
    [InlineData(BgpState.Connect, FsmEvent.BGPOpen_with_DelayOpenTimer_running)]
    public void Hold_time_zero_starts_neither_HoldTimer_nor_KeepaliveTimer(BgpState state, FsmEvent e)
    {
        FsmResult r = BgpFsm.Step(new FsmState(state, 0, true), new FsmOptions(), new FsmInput(e, NegotiatedHoldTime: 0));
        Assert.Equal(BgpState.OpenConfirm, r.State.State);
        Assert.False(r.Contains(FsmActionKind.StartKeepaliveTimer));
        Assert.False(r.Contains(FsmActionKind.RestartHoldTimer));
        Assert.True(r.Contains(FsmActionKind.SendKeepalive));
    }

    [Fact]
    public void ManualStop_passes_the_runners_shutdown_communication()
    {
        var cease = NotificationMessage.Cease(CeaseSubcode.AdministrativeShutdown, "maintenance");
        FsmResult r = BgpFsm.Step(new FsmState(BgpState.Established, 1), new FsmOptions(), new FsmInput(FsmEvent.ManualStop, cease));
        Assert.Same(cease, r[0].Notification);
        Assert.Equal("maintenance", r[0].Notification!.ShutdownMessage);
    }

    [Fact]
    public void Every_transition_into_Idle_from_a_connected_state_releases_resources()
    {
        foreach (BgpState s in new[] { BgpState.Connect, BgpState.Active, BgpState.OpenSent, BgpState.OpenConfirm, BgpState.Established })
        {
            foreach (FsmEvent e in Enum.GetValues<FsmEvent>())
            {
                FsmResult r = BgpFsm.Step(new FsmState(s, 0), new FsmOptions(), FsmTableTests.InputFor(e));
                if (r.State.State == BgpState.Idle)
                    Assert.True(r.Contains(FsmActionKind.ReleaseResources), $"{s} × {e} -> Idle without ReleaseResources");
                Assert.Equal(s == BgpState.Established && r.State.State != BgpState.Established, r.Contains(FsmActionKind.SessionDown));
            }
        }
    }
}
