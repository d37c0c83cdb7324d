using StackBgp.Wire;
using static StackBgp.Session.FsmActionKind;

namespace StackBgp.Session;

/// <summary>§8.2.2 OpenSent, OpenConfirm and Established.</summary>
public static partial class BgpFsm
{
    private static readonly NotificationMessage HoldTimerExpiredError = new(BgpErrorCode.HoldTimerExpired, 0);
    private static readonly NotificationMessage SendHoldTimerExpiredError = new(BgpErrorCode.SendHoldTimerExpired, 0);
    private static readonly NotificationMessage CollisionError = NotificationMessage.Cease(CeaseSubcode.ConnectionCollisionResolution);
    private static readonly NotificationMessage AdminShutdown = NotificationMessage.Cease(CeaseSubcode.AdministrativeShutdown);
    private static readonly NotificationMessage CeaseUnspecified = NotificationMessage.Cease(CeaseSubcode.Unspecified);

    /// <summary>The Cease for events 2 and 8: the runner may pass its own (e.g. with an RFC 9003 message).</summary>
    private static NotificationMessage CeaseFor(FsmInput input) =>
        input.Error ?? (input.Event == FsmEvent.ManualStop ? AdminShutdown : CeaseUnspecified);

    private static bool IsStart(FsmEvent e) => e is FsmEvent.ManualStart or FsmEvent.AutomaticStart
        or FsmEvent.ManualStart_with_PassiveTcpEstablishment or FsmEvent.AutomaticStart_with_PassiveTcpEstablishment
        or FsmEvent.AutomaticStart_with_DampPeerOscillations or FsmEvent.AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment;

    /// <summary>
    /// Events 14-17 after OpenSent: a second connection. RFC says it "needs to be tracked"
    /// (§6.8); the runner tracks it, the FSM of this connection does not change. Event 15 in these
    /// states falls under "any other event" in the RFC; we ignore it, because the listener refuses
    /// an invalid request before it touches this connection.
    /// </summary>
    private static bool IsSecondConnection(FsmEvent e) => e is FsmEvent.TcpConnection_Valid or FsmEvent.Tcp_CR_Invalid
        or FsmEvent.Tcp_CR_Acked or FsmEvent.TcpConnectionConfirmed;

    /// <summary>RFC 6608 §3: unexpected messages get a state-specific subcode; other unexpected events 0.</summary>
    private static NotificationMessage UnexpectedIn(FsmEvent e, FsmErrorSubcode subcode) =>
        new(BgpErrorCode.FiniteStateMachine, (byte)(e is >= FsmEvent.BGPOpen and <= FsmEvent.UpdateMsgErr ? subcode : FsmErrorSubcode.Unspecified));

    // §8.2.2 OpenSent state.
    private static FsmResult InOpenSent(FsmState s, FsmOptions o, FsmInput input)
    {
        FsmEvent e = input.Event;
        if (IsStart(e) || IsSecondConnection(e)) return new FsmResult(s);
        FsmResult r;
        switch (e)
        {
            case FsmEvent.ManualStop:
                r = new FsmResult(new FsmState(BgpState.Idle, 0));
                r.Add(new FsmAction(SendNotification, CeaseFor(input)));
                r.Add(StopConnectRetryTimer);
                r.Add(ReleaseResources);
                r.Add(DropConnection);
                return r;
            case FsmEvent.AutomaticStop:
                return ToIdle(s, o, CeaseFor(input), increment: true);
            case FsmEvent.HoldTimer_Expires:
                return ToIdle(s, o, HoldTimerExpiredError, increment: true);
            case FsmEvent.SendHoldTimer_Expires:
                return ToIdle(s, o, SendHoldTimerExpiredError, increment: true);
            case FsmEvent.TcpConnectionFails:
                r = new FsmResult(new FsmState(BgpState.Active, s.ConnectRetryCounter));
                r.Add(DropConnection);
                r.Add(StartConnectRetryTimer);
                return r;
            case FsmEvent.BGPOpen:
                r = new FsmResult(new FsmState(BgpState.OpenConfirm, s.ConnectRetryCounter));
                r.Add(StopDelayOpenTimer);
                r.Add(StopConnectRetryTimer);
                r.Add(SendKeepalive);
                if (input.NegotiatedHoldTime != 0)
                {
                    r.Add(StartKeepaliveTimer);
                    r.Add(RestartHoldTimer);
                }
                return r;
            case FsmEvent.BGPHeaderErr or FsmEvent.BGPOpenMsgErr:
                return ToIdle(s, o, input.Error, increment: true);
            case FsmEvent.OpenCollisionDump:
                return ToIdle(s, o, CollisionError, increment: true);
            case FsmEvent.NotifMsgVerErr:
                return ToIdle(s, o, null, increment: false);
            case FsmEvent.NotifMsg:
                // RFC says event 25 here is "any other event" (send FSM Error). We do: go to Idle
                // without answering, because after a NOTIFICATION the peer closes the connection
                // (§6) and a NOTIFICATION in reply only adds noise to its log (FRR does the same).
                return ToIdle(s, o, null, increment: true);
            default:
                // "Any other event (Events 9, 11-13, 20, 25-28)": FSM Error.
                return ToIdle(s, o, UnexpectedIn(e, FsmErrorSubcode.UnexpectedMessageInOpenSent), increment: true);
        }
    }

    // §8.2.2 OpenConfirm state.
    private static FsmResult InOpenConfirm(FsmState s, FsmOptions o, FsmInput input)
    {
        FsmEvent e = input.Event;
        if (IsStart(e) || IsSecondConnection(e)) return new FsmResult(s);
        FsmResult r;
        switch (e)
        {
            case FsmEvent.ManualStop:
                r = new FsmResult(new FsmState(BgpState.Idle, 0));
                r.Add(new FsmAction(SendNotification, CeaseFor(input)));
                r.Add(ReleaseResources);
                r.Add(DropConnection);
                r.Add(StopConnectRetryTimer);
                return r;
            case FsmEvent.AutomaticStop:
                return ToIdle(s, o, CeaseFor(input), increment: true);
            case FsmEvent.HoldTimer_Expires:
                return ToIdle(s, o, HoldTimerExpiredError, increment: true);
            case FsmEvent.SendHoldTimer_Expires:
                return ToIdle(s, o, SendHoldTimerExpiredError, increment: true);
            case FsmEvent.KeepaliveTimer_Expires:
                r = new FsmResult(s);
                r.Add(SendKeepalive);
                r.Add(StartKeepaliveTimer);
                return r;
            case FsmEvent.TcpConnectionFails or FsmEvent.NotifMsg:
                return ToIdle(s, o, null, increment: true);
            case FsmEvent.NotifMsgVerErr:
                return ToIdle(s, o, null, increment: false);
            case FsmEvent.BGPHeaderErr or FsmEvent.BGPOpenMsgErr:
                return ToIdle(s, o, input.Error, increment: true);
            case FsmEvent.OpenCollisionDump:
                return ToIdle(s, o, CollisionError, increment: true);
            case FsmEvent.KeepAliveMsg:
                // RestartHoldTimer is a no-op for the runner when the negotiated hold time is 0.
                r = new FsmResult(new FsmState(BgpState.Established, s.ConnectRetryCounter));
                r.Add(RestartHoldTimer);
                r.Add(SessionUp);
                return r;
            default:
                // "Any other event (Events 9, 12-13, 20, 27-28)". RFC says event 19 on this
                // connection is collision processing (§6.8); a second OPEN on the same connection
                // is unexpected, and the runner resolves collisions between two connections before
                // it raises event 23, so here 19 is an FSM Error too.
                return ToIdle(s, o, UnexpectedIn(e, FsmErrorSubcode.UnexpectedMessageInOpenConfirm), increment: true);
        }
    }

    // §8.2.2 Established state.
    private static FsmResult InEstablished(FsmState s, FsmOptions o, FsmInput input)
    {
        FsmEvent e = input.Event;
        if (IsStart(e) || IsSecondConnection(e)) return new FsmResult(s);
        FsmResult r;
        switch (e)
        {
            case FsmEvent.ManualStop:
                r = new FsmResult(new FsmState(BgpState.Idle, 0));
                r.Add(new FsmAction(SendNotification, CeaseFor(input)));
                r.Add(StopConnectRetryTimer);
                r.Add(SessionDown);
                r.Add(ReleaseResources);
                r.Add(DropConnection);
                return r;
            case FsmEvent.AutomaticStop:
                return ToIdle(s, o, CeaseFor(input), increment: true, wasEstablished: true);
            case FsmEvent.HoldTimer_Expires:
                return ToIdle(s, o, HoldTimerExpiredError, increment: true, wasEstablished: true);
            case FsmEvent.SendHoldTimer_Expires:
                return ToIdle(s, o, SendHoldTimerExpiredError, increment: true, wasEstablished: true);
            case FsmEvent.KeepaliveTimer_Expires:
                r = new FsmResult(s);
                r.Add(SendKeepalive);
                r.Add(StartKeepaliveTimer);
                return r;
            case FsmEvent.TcpConnectionFails or FsmEvent.NotifMsg or FsmEvent.NotifMsgVerErr:
                return ToIdle(s, o, null, increment: true, wasEstablished: true);
            case FsmEvent.OpenCollisionDump:
                // Only raised when CollisionDetectEstablishedState is on (§6.8).
                return ToIdle(s, o, CollisionError, increment: true, wasEstablished: true);
            case FsmEvent.KeepAliveMsg:
                r = new FsmResult(s);
                r.Add(RestartHoldTimer);
                return r;
            case FsmEvent.UpdateMsg:
                r = new FsmResult(s);
                r.Add(ProcessUpdate);
                r.Add(RestartHoldTimer);
                return r;
            case FsmEvent.UpdateMsgErr:
                return ToIdle(s, o, input.Error, increment: true, wasEstablished: true);
            case FsmEvent.BGPHeaderErr or FsmEvent.BGPOpenMsgErr:
                // RFC lists 21-22 under "any other event" (FSM Error) here; we send the header/OPEN
                // error itself, because §6.1 requires a bad header to be reported as such.
                return ToIdle(s, o, input.Error, increment: true, wasEstablished: true);
            default:
                // "Any other event (Events 9, 12-13, 19-20)": FSM Error.
                return ToIdle(s, o, UnexpectedIn(e, FsmErrorSubcode.UnexpectedMessageInEstablished), increment: true, wasEstablished: true);
        }
    }
}
