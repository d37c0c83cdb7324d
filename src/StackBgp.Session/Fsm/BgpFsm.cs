using StackBgp.Wire;
using static StackBgp.Session.FsmActionKind;

namespace StackBgp.Session;

/// <summary>
/// The BGP finite state machine of RFC 4271 §8.2.2 as a pure function
/// <c>(state, event) → (state, actions)</c>. One switch per state that reads like the RFC's
/// per-state text; the runner carries out the actions. Where we differ from the RFC the
/// comment says "RFC says / we do, because".
/// </summary>
public static partial class BgpFsm
{
    /// <summary>§8.2.2 "sets the HoldTimer to a large value ... 4 minutes".</summary>
    public static readonly TimeSpan LargeHoldTime = TimeSpan.FromMinutes(4);

    public static FsmResult Step(FsmState state, FsmOptions options, FsmInput input) => state.State switch
    {
        BgpState.Idle => InIdle(state, options, input),
        BgpState.Connect => InConnect(state, options, input),
        BgpState.Active => InActive(state, options, input),
        BgpState.OpenSent => InOpenSent(state, options, input),
        BgpState.OpenConfirm => InOpenConfirm(state, options, input),
        BgpState.Established => InEstablished(state, options, input),
        _ => throw new ArgumentOutOfRangeException(nameof(state), state.State, "unknown BGP state"),
    };

    // §8.2.2 Idle state.
    private static FsmResult InIdle(FsmState s, FsmOptions o, FsmInput input)
    {
        switch (input.Event)
        {
            case FsmEvent.ManualStart or FsmEvent.AutomaticStart:
                return StartActive(s);
            case FsmEvent.ManualStart_with_PassiveTcpEstablishment or FsmEvent.AutomaticStart_with_PassiveTcpEstablishment:
                return StartPassive(s);
            // §8.1.1 / §8.2.2: "the method of preventing persistent peer oscillation is outside the
            // scope". We do: wait out the IdleHoldTimer (the runner's exponential back-off), then
            // IdleHoldTimer_Expires starts the connection.
            case FsmEvent.AutomaticStart_with_DampPeerOscillations or FsmEvent.AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment:
            {
                var r = new FsmResult(s);
                r.Add(StartIdleHoldTimer);
                return r;
            }
            case FsmEvent.IdleHoldTimer_Expires:
                return o.PassiveTcpEstablishment ? StartPassive(s) : StartActive(s);
            default:
                // "Any other event (Events 9-12, 15-28) received in the Idle state does not cause
                // change in the state of the local system." Events 2 and 8 are ignored as well.
                return new FsmResult(s);
        }
    }

    private static FsmResult StartActive(FsmState s)
    {
        var r = new FsmResult(new FsmState(BgpState.Connect, 0));
        r.Add(InitializeResources);
        r.Add(StartConnectRetryTimer);
        r.Add(Connect);
        return r;
    }

    private static FsmResult StartPassive(FsmState s)
    {
        var r = new FsmResult(new FsmState(BgpState.Active, 0));
        r.Add(InitializeResources);
        r.Add(StartConnectRetryTimer);
        return r;
    }

    // §8.2.2 Connect state.
    private static FsmResult InConnect(FsmState s, FsmOptions o, FsmInput input)
    {
        FsmResult r;
        switch (input.Event)
        {
            case FsmEvent.ManualStart or FsmEvent.AutomaticStart or FsmEvent.ManualStart_with_PassiveTcpEstablishment
                or FsmEvent.AutomaticStart_with_PassiveTcpEstablishment or FsmEvent.AutomaticStart_with_DampPeerOscillations
                or FsmEvent.AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment:
                return new FsmResult(s);
            case FsmEvent.ManualStop:
                r = new FsmResult(new FsmState(BgpState.Idle, 0));
                r.Add(DropConnection);
                r.Add(ReleaseResources);
                r.Add(StopConnectRetryTimer);
                return r;
            case FsmEvent.ConnectRetryTimer_Expires:
                r = new FsmResult(s with { DelayOpenTimerRunning = false });
                r.Add(DropConnection);
                r.Add(StartConnectRetryTimer);
                r.Add(StopDelayOpenTimer);
                r.Add(Connect);
                return r;
            case FsmEvent.DelayOpenTimer_Expires:
                r = new FsmResult(new FsmState(BgpState.OpenSent, s.ConnectRetryCounter));
                r.Add(SendOpen);
                r.Add(StartLargeHoldTimer);
                return r;
            case FsmEvent.TcpConnection_Valid or FsmEvent.Tcp_CR_Invalid:
                return new FsmResult(s);
            case FsmEvent.Tcp_CR_Acked or FsmEvent.TcpConnectionConfirmed:
                return TcpUp(s, o);
            case FsmEvent.TcpConnectionFails:
                if (s.DelayOpenTimerRunning)
                {
                    r = new FsmResult(new FsmState(BgpState.Active, s.ConnectRetryCounter));
                    r.Add(StartConnectRetryTimer);
                    r.Add(StopDelayOpenTimer);
                    return r;
                }
                // RFC says: stop the ConnectRetryTimer, drop, release, go to Idle. We do: go to
                // Active and connect again when the ConnectRetryTimer fires (as FRR and BIRD do),
                // because a restart from Idle would hammer an unreachable or refusing peer.
                r = new FsmResult(new FsmState(BgpState.Active, s.ConnectRetryCounter));
                r.Add(DropConnection);
                r.Add(StartConnectRetryTimer);
                return r;
            case FsmEvent.BGPOpen_with_DelayOpenTimer_running:
                return OpenWhileDelayed(s, input);
            case FsmEvent.BGPHeaderErr or FsmEvent.BGPOpenMsgErr:
                return ErrorBeforeOpen(s, o, input);
            case FsmEvent.NotifMsgVerErr:
                return VersionErrorBeforeOpen(s, o);
            default:
                // "Any other event (8, 10-11, 13, 19, 23, 25-28)". We include 29, which cannot run here.
                return ToIdle(s, o, sendFirst: null, increment: true, stopDelayOpen: true);
        }
    }

    // §8.2.2 Active state.
    private static FsmResult InActive(FsmState s, FsmOptions o, FsmInput input)
    {
        FsmResult r;
        switch (input.Event)
        {
            case FsmEvent.ManualStart or FsmEvent.AutomaticStart or FsmEvent.ManualStart_with_PassiveTcpEstablishment
                or FsmEvent.AutomaticStart_with_PassiveTcpEstablishment or FsmEvent.AutomaticStart_with_DampPeerOscillations
                or FsmEvent.AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment:
                return new FsmResult(s);
            case FsmEvent.ManualStop:
                r = new FsmResult(new FsmState(BgpState.Idle, 0));
                if (s.DelayOpenTimerRunning && o.SendNotificationWithoutOpen)
                    r.Add(new FsmAction(SendNotification, CeaseFor(input)));
                r.Add(ReleaseResources);
                r.Add(StopDelayOpenTimer);
                r.Add(DropConnection);
                r.Add(StopConnectRetryTimer);
                return r;
            case FsmEvent.ConnectRetryTimer_Expires:
                // RFC says "initiates a TCP connection"; for a passive peer we do: keep listening
                // only, because PassiveTcpEstablishment means we never connect out.
                r = new FsmResult(new FsmState(o.PassiveTcpEstablishment ? BgpState.Active : BgpState.Connect, s.ConnectRetryCounter));
                r.Add(StartConnectRetryTimer);
                if (!o.PassiveTcpEstablishment) r.Add(Connect);
                return r;
            case FsmEvent.DelayOpenTimer_Expires:
                r = new FsmResult(new FsmState(BgpState.OpenSent, s.ConnectRetryCounter));
                r.Add(StopConnectRetryTimer);
                r.Add(StopDelayOpenTimer);
                r.Add(SendOpen);
                r.Add(StartLargeHoldTimer);
                return r;
            case FsmEvent.TcpConnection_Valid or FsmEvent.Tcp_CR_Invalid:
                return new FsmResult(s);
            case FsmEvent.Tcp_CR_Acked or FsmEvent.TcpConnectionConfirmed:
                return TcpUp(s, o);
            case FsmEvent.TcpConnectionFails:
                // RFC says: restart the ConnectRetryTimer, keep listening, go to Idle. We do the
                // same; the runner's back-off then restarts the peer.
                r = new FsmResult(new FsmState(BgpState.Idle, s.ConnectRetryCounter + 1));
                r.Add(StartConnectRetryTimer);
                r.Add(StopDelayOpenTimer);
                r.Add(ReleaseResources);
                if (o.DampPeerOscillations) r.Add(DampPeerOscillations);
                return r;
            case FsmEvent.BGPOpen_with_DelayOpenTimer_running:
                return OpenWhileDelayed(s, input);
            case FsmEvent.BGPHeaderErr or FsmEvent.BGPOpenMsgErr:
                return ErrorBeforeOpen(s, o, input);
            case FsmEvent.NotifMsgVerErr:
                return VersionErrorBeforeOpen(s, o);
            default:
                // "Any other event (8, 10-11, 13, 19, 23, 25-28)".
                return ToIdle(s, o, sendFirst: null, increment: true, stopDelayOpen: true);
        }
    }

    /// <summary>Connect/Active, events 16-17: the TCP connection is up.</summary>
    private static FsmResult TcpUp(FsmState s, FsmOptions o)
    {
        FsmResult r;
        if (o.DelayOpen)
        {
            r = new FsmResult(s with { DelayOpenTimerRunning = true });
            r.Add(StopConnectRetryTimer);
            r.Add(StartDelayOpenTimer);
            return r;
        }
        r = new FsmResult(new FsmState(BgpState.OpenSent, s.ConnectRetryCounter));
        r.Add(StopConnectRetryTimer);
        r.Add(SendOpen);
        r.Add(StartLargeHoldTimer);
        return r;
    }

    /// <summary>Connect/Active, event 20: the peer's OPEN came while we delayed ours.</summary>
    private static FsmResult OpenWhileDelayed(FsmState s, FsmInput input)
    {
        var r = new FsmResult(new FsmState(BgpState.OpenConfirm, s.ConnectRetryCounter));
        r.Add(StopConnectRetryTimer);
        r.Add(StopDelayOpenTimer);
        r.Add(SendOpen);
        r.Add(SendKeepalive);
        if (input.NegotiatedHoldTime != 0)
        {
            r.Add(StartKeepaliveTimer);
            r.Add(RestartHoldTimer);
        }
        return r;
    }

    /// <summary>Connect/Active, events 21-22.</summary>
    private static FsmResult ErrorBeforeOpen(FsmState s, FsmOptions o, FsmInput input)
    {
        var r = new FsmResult(new FsmState(BgpState.Idle, s.ConnectRetryCounter + 1));
        if (o.SendNotificationWithoutOpen) r.Add(new FsmAction(SendNotification, input.Error));
        r.Add(StopConnectRetryTimer);
        r.Add(ReleaseResources);
        r.Add(DropConnection);
        if (o.DampPeerOscillations) r.Add(DampPeerOscillations);
        return r;
    }

    /// <summary>Connect/Active, event 24: a version error answered our delayed OPEN attempt or not.</summary>
    private static FsmResult VersionErrorBeforeOpen(FsmState s, FsmOptions o)
    {
        bool delayed = s.DelayOpenTimerRunning;
        var r = new FsmResult(new FsmState(BgpState.Idle, delayed ? s.ConnectRetryCounter : s.ConnectRetryCounter + 1));
        r.Add(StopConnectRetryTimer);
        if (delayed) r.Add(StopDelayOpenTimer);
        r.Add(ReleaseResources);
        r.Add(DropConnection);
        if (!delayed && o.DampPeerOscillations) r.Add(DampPeerOscillations);
        return r;
    }

    /// <summary>
    /// The common way down to Idle: optionally send a NOTIFICATION, stop the ConnectRetryTimer,
    /// release resources, drop TCP, count and damp.
    /// </summary>
    private static FsmResult ToIdle(FsmState s, FsmOptions o, NotificationMessage? sendFirst, bool increment, bool stopDelayOpen = false,
        bool wasEstablished = false, bool damp = true)
    {
        var r = new FsmResult(new FsmState(BgpState.Idle, increment ? s.ConnectRetryCounter + 1 : s.ConnectRetryCounter));
        if (sendFirst is not null) r.Add(new FsmAction(SendNotification, sendFirst));
        r.Add(StopConnectRetryTimer);
        if (stopDelayOpen) r.Add(StopDelayOpenTimer);
        if (wasEstablished) r.Add(SessionDown);
        r.Add(ReleaseResources);
        r.Add(DropConnection);
        if (increment && damp && o.DampPeerOscillations) r.Add(DampPeerOscillations);
        return r;
    }
}
