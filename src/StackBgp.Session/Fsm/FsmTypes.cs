using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using StackBgp.Wire;

namespace StackBgp.Session;

/// <summary>BGP FSM states (RFC 4271 §8.2.2).</summary>
public enum BgpState : byte
{
    Idle,
    Connect,
    Active,
    OpenSent,
    OpenConfirm,
    Established,
}

/// <summary>
/// FSM events, named and numbered as in RFC 4271 §8.1 (plus event 29 of RFC 9687).
/// Event 15 (Tcp_CR_Invalid) never concerns the current connection here: the listener refuses
/// the request before the FSM sees it.
/// </summary>
[SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "Names are those of RFC 4271 §8.1.")]
public enum FsmEvent : byte
{
    ManualStart = 1,
    ManualStop = 2,
    AutomaticStart = 3,
    ManualStart_with_PassiveTcpEstablishment = 4,
    AutomaticStart_with_PassiveTcpEstablishment = 5,
    AutomaticStart_with_DampPeerOscillations = 6,
    AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment = 7,
    AutomaticStop = 8,
    ConnectRetryTimer_Expires = 9,
    HoldTimer_Expires = 10,
    KeepaliveTimer_Expires = 11,
    DelayOpenTimer_Expires = 12,
    IdleHoldTimer_Expires = 13,
    TcpConnection_Valid = 14,
    Tcp_CR_Invalid = 15,
    Tcp_CR_Acked = 16,
    TcpConnectionConfirmed = 17,
    TcpConnectionFails = 18,
    BGPOpen = 19,
    BGPOpen_with_DelayOpenTimer_running = 20,
    BGPHeaderErr = 21,
    BGPOpenMsgErr = 22,
    OpenCollisionDump = 23,
    NotifMsgVerErr = 24,
    NotifMsg = 25,
    KeepAliveMsg = 26,
    UpdateMsg = 27,
    UpdateMsgErr = 28,
    /// <summary>RFC 9687 §3: we could not send for SendHoldTime.</summary>
    SendHoldTimer_Expires = 29,
}

/// <summary>What the runner must do; carried out in the order given.</summary>
public enum FsmActionKind : byte
{
    /// <summary>"initializes all BGP resources for the peer connection".</summary>
    InitializeResources,
    /// <summary>"releases all BGP resources" (all timers stop; for Established, routes are deleted).</summary>
    ReleaseResources,
    /// <summary>"initiates a TCP connection to the other BGP peer".</summary>
    Connect,
    /// <summary>"drops the TCP connection".</summary>
    DropConnection,
    SendOpen,
    SendKeepalive,
    /// <summary>Send the NOTIFICATION in <see cref="FsmAction.Error"/>.</summary>
    SendNotification,
    StartConnectRetryTimer,
    StopConnectRetryTimer,
    /// <summary>"sets the HoldTimer to a large value" (4 minutes, §8.2.2).</summary>
    StartLargeHoldTimer,
    /// <summary>(Re)start the HoldTimer with the negotiated hold time (never emitted when it is 0).</summary>
    RestartHoldTimer,
    StartKeepaliveTimer,
    StartDelayOpenTimer,
    StopDelayOpenTimer,
    /// <summary>Wait out the idle hold time (§8.1.1, DampPeerOscillations) before starting.</summary>
    StartIdleHoldTimer,
    /// <summary>"performs peer oscillation damping": count one more flap for the back-off.</summary>
    DampPeerOscillations,
    /// <summary>Hand the UPDATE that caused event 27 to the routing layer.</summary>
    ProcessUpdate,
    /// <summary>The session reached Established.</summary>
    SessionUp,
    /// <summary>The session left Established ("deletes all routes").</summary>
    SessionDown,
}

/// <summary>One FSM action; <see cref="Notification"/> is set for <see cref="FsmActionKind.SendNotification"/>.</summary>
public readonly record struct FsmAction(FsmActionKind Kind, NotificationMessage? Notification = null)
{
    public override string ToString() => Kind == FsmActionKind.SendNotification ? $"SendNotification({Notification})" : Kind.ToString();
}

/// <summary>
/// An event with what it carries: the NOTIFICATION to send for events 21, 22 and 28 (and optionally
/// the Cease for events 2 and 8), and the negotiated
/// hold time for events 19 and 20 (0 = no HoldTimer and no KeepaliveTimer, RFC 4271 §4.2).
/// </summary>
public readonly record struct FsmInput(FsmEvent Event, NotificationMessage? Error = null, ushort NegotiatedHoldTime = 0)
{
    public static implicit operator FsmInput(FsmEvent e) => new(e);

    public static FsmInput FromFsmEvent(FsmEvent e) => new(e);
}

/// <summary>
/// The optional session attributes of RFC 4271 §8.1.1 that change transitions.
/// </summary>
public sealed record FsmOptions
{
    public static readonly FsmOptions Default = new();

    /// <summary>Never connect out; wait for the peer (§8.1.1 PassiveTcpEstablishment).</summary>
    public bool PassiveTcpEstablishment { get; init; }

    /// <summary>Wait DelayOpenTime after TCP is up before sending OPEN (§8.1.1 DelayOpen).</summary>
    public bool DelayOpen { get; init; }

    /// <summary>Back off (idle hold) before restarting a flapping peer (§8.1.1 DampPeerOscillations).</summary>
    public bool DampPeerOscillations { get; init; } = true;

    /// <summary>Send NOTIFICATION before our OPEN was sent (§8.1.1 SendNOTIFICATIONwithoutOPEN).</summary>
    public bool SendNotificationWithoutOpen { get; init; }
}

/// <summary>
/// Everything the FSM remembers between events: the state, the ConnectRetryCounter, and whether
/// the DelayOpenTimer runs (several §8.2.2 rows depend on it).
/// </summary>
public readonly record struct FsmState(BgpState State, uint ConnectRetryCounter = 0, bool DelayOpenTimerRunning = false)
{
    public static FsmState Initial => new(BgpState.Idle);

    public override string ToString() => $"{State} (ConnectRetryCounter {ConnectRetryCounter}{(DelayOpenTimerRunning ? ", DelayOpenTimer running" : "")})";
}

/// <summary>Up to <see cref="Capacity"/> actions, inline (no allocation per event).</summary>
[InlineArray(Capacity)]
public struct FsmActionBuffer
{
    public const int Capacity = 12;
    private FsmAction _first;
}

/// <summary>The outcome of one FSM step: the new state and the actions to carry out, in order.</summary>
public struct FsmResult
{
    private FsmActionBuffer _actions;
    private int _count;

    public FsmResult(FsmState state)
    {
        State = state;
    }

    public FsmState State { get; set; }

    public readonly int Count => _count;

    public readonly FsmAction this[int index] => (uint)index < (uint)_count ? _actions[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public void Add(FsmActionKind kind) => Add(new FsmAction(kind));

    public void Add(FsmAction action)
    {
        if (_count == FsmActionBuffer.Capacity) throw new InvalidOperationException("FSM action buffer full");
        _actions[_count++] = action;
    }

    public readonly bool Contains(FsmActionKind kind)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_actions[i].Kind == kind) return true;
        }
        return false;
    }

    public readonly FsmAction[] ToArray()
    {
        var a = new FsmAction[_count];
        for (int i = 0; i < _count; i++) a[i] = _actions[i];
        return a;
    }

    public override readonly string ToString() => $"{State}: {string.Join(", ", ToArray())}";
}
