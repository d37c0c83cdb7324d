using StackBgp.Wire;

namespace StackBgp.Session;

/// <summary>Carrying out FSM actions; the session timers.</summary>
public sealed partial class BgpSession
{
    private enum TimerKind
    {
        ConnectRetry,
        Hold,
        DelayOpen,
        IdleHold,
    }

    private const int TimerCount = 4;
    private readonly ITimer[] _timers;
    /// <summary>Per timer: the timestamp it is due at, 0 when stopped. A fire that finds a later deadline (re-armed) or 0 (stopped) is stale.</summary>
    private readonly long[] _deadlines;

    private ValueTask<FsmResult> StepAsync(FsmEvent ev) => StepAsync(new FsmInput(ev));

    private async ValueTask<FsmResult> StepAsync(FsmInput input)
    {
        BgpState from = _fsm.State;
        FsmResult r = BgpFsm.Step(_fsm, _config.Fsm, input);
        _fsm = r.State;
        // Whoever reads State == Established must also find Negotiated: publish it before the state (the
        // SessionUp action that also sets it runs after this).
        if (_fsm.State == BgpState.Established && from != BgpState.Established) _publishedNegotiated = _negotiated;
        Publish();
        if (from != _fsm.State) LogStateChange(_logger, PeerAddress, from, _fsm.State, input.Event);
        for (int i = 0; i < r.Count; i++) await ExecuteAsync(r[i]).ConfigureAwait(false);
        if (_fsm.State == BgpState.Idle && from != BgpState.Idle)
        {
            if (from != BgpState.Established && _reason is not null) LogSessionFailed(_logger, PeerAddress, from, _reason.Text);
            _reason = null;
            if (!_adminDown && from is BgpState.OpenSent or BgpState.OpenConfirm && _secondary is { } sec)
            {
                // §6.8: each connection has its own FSM; the second one carries on (typically the
                // peer just closed ours with Cease/Connection Collision Resolution). Its OPEN, if
                // already read, arrives as SecondaryOpen and is handled as on the session's connection.
                Promote(sec);
                return r;
            }
            await CloseSecondaryAsync(null).ConfigureAwait(false);
            if (!_adminDown) Post(new AutoRestart());
        }
        return r;
    }

    private async Task ExecuteAsync(FsmAction action)
    {
        switch (action.Kind)
        {
            case FsmActionKind.InitializeResources:
                _negotiated = null;
                _decodeContext = default;
                _reason = null;
                break;
            case FsmActionKind.ReleaseResources:
                Disarm(TimerKind.ConnectRetry);
                Disarm(TimerKind.Hold);
                Disarm(TimerKind.DelayOpen);
                CancelConnect();
                _negotiated = null;
                _decodeContext = default;
                break;
            case FsmActionKind.Connect:
                StartConnect();
                break;
            case FsmActionKind.DropConnection:
                CancelConnect();
                if (_primary is { } p)
                {
                    Volatile.Write(ref _primary, null);
                    await CloseConnAsync(p).ConfigureAwait(false);
                }
                break;
            case FsmActionKind.SendOpen:
                _primary?.Writer?.EnqueueControl(_local.Bytes);
                break;
            case FsmActionKind.SendKeepalive:
                _primary?.Writer?.EnqueueControl(KeepaliveBytes);
                break;
            case FsmActionKind.SendNotification:
                // A stop for a graceful restart closes without one (StopForRestartAsync).
                if (action.Notification is { } original && !_silentStop && _primary?.Writer is { } w)
                {
                    // RFC 8538 §5.1: with the N bit negotiated, the Ceases that must flush routes become a Hard Reset.
                    var n = GracefulRestartNotification.ForSending(original, _negotiated?.GracefulRestartNotification ?? false, _config.HardAdministrativeReset);
                    w.EnqueueControl(MessageCodec.Encode(n));
                    LogNotificationSent(_logger, PeerAddress, n.ToString());
                    _reason ??= new SessionDownReason(SessionDownKind.NotificationSent, n, $"NOTIFICATION sent: {n}");
                }
                break;
            case FsmActionKind.StartConnectRetryTimer:
                Arm(TimerKind.ConnectRetry, _config.ConnectRetryTime);
                break;
            case FsmActionKind.StopConnectRetryTimer:
                Disarm(TimerKind.ConnectRetry);
                break;
            case FsmActionKind.StartLargeHoldTimer:
                Arm(TimerKind.Hold, BgpFsm.LargeHoldTime);
                break;
            case FsmActionKind.RestartHoldTimer:
                if (_negotiated is { HoldTime: > 0 } neg) Arm(TimerKind.Hold, TimeSpan.FromSeconds(neg.HoldTime));
                else Disarm(TimerKind.Hold);
                break;
            case FsmActionKind.StartKeepaliveTimer:
                if (_negotiated is { } kn) _primary?.Writer?.StartKeepalives(kn.KeepaliveInterval);
                break;
            case FsmActionKind.StartDelayOpenTimer:
                Arm(TimerKind.DelayOpen, _config.DelayOpenTime);
                break;
            case FsmActionKind.StopDelayOpenTimer:
                Disarm(TimerKind.DelayOpen);
                break;
            case FsmActionKind.StartIdleHoldTimer:
                Arm(TimerKind.IdleHold, _backoff.Current);
                LogIdleHold(_logger, PeerAddress, _backoff.Current.TotalSeconds);
                break;
            case FsmActionKind.DampPeerOscillations:
                _backoff = _backoff.AfterFlap(_lastEstablishedFor);
                _lastEstablishedFor = TimeSpan.Zero;
                break;
            case FsmActionKind.ProcessUpdate:
                // Carried out by the caller (HandleMessageAsync), which holds the decoded UPDATE.
                break;
            case FsmActionKind.SessionUp:
                await SessionUpAsync().ConfigureAwait(false);
                break;
            case FsmActionKind.SessionDown:
                await SessionDownAsync().ConfigureAwait(false);
                break;
        }
    }

    private async Task SessionUpAsync()
    {
        NegotiatedSession n = _negotiated!;
        // A failure before Established that did not pass through Idle (OpenSent × TcpConnectionFails goes to
        // Active, RFC 4271 §8.2.2) must not become the reason this session ends: graceful restart decides on it.
        _reason = null;
        _establishedAt = _time.GetTimestamp();
        if (_config.SendHoldTimer) _primary?.Writer?.SetSendHoldTime(_config.SendHoldTime ?? HoldTimes.SendHoldTime(n.HoldTime));
        _publishedNegotiated = n;
        _establishedWriter = _primary?.Writer;
        LogSessionUp(_logger, PeerAddress, n.PeerAs, FormatId(n.PeerBgpId), n.HoldTime, string.Join(", ", n.Families), n.PeerHostName ?? "-");
        await _handler.OnEstablishedAsync(this, n).ConfigureAwait(false);
    }

    private async Task SessionDownAsync()
    {
        _lastEstablishedFor = _establishedAt == 0 ? TimeSpan.Zero : _time.GetElapsedTime(_establishedAt);
        _establishedAt = 0;
        _establishedWriter = null;
        _publishedNegotiated = null;
        SessionDownReason reason = _reason ?? new SessionDownReason(SessionDownKind.TransportClosed, null, "connection lost");
        LogSessionDown(_logger, PeerAddress, reason.Text, _lastEstablishedFor.TotalSeconds);
        await _handler.OnDownAsync(this, reason).ConfigureAwait(false);
    }

    private async Task TimerFiredAsync(TimerKind kind)
    {
        long due = _deadlines[(int)kind];
        if (due == 0) return; // stopped since
        long now = _time.GetTimestamp();
        if (now < due)
        {
            // Re-armed since (a later deadline), or a timer that fired a little early against the
            // timestamp clock: wait for the rest.
            _timers[(int)kind].Change(TimeSpan.FromSeconds((double)(due - now) / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);
            return;
        }
        _deadlines[(int)kind] = 0;
        switch (kind)
        {
            case TimerKind.ConnectRetry:
                if (_fsm.State == BgpState.Connect && _primary is null && _connectCts is not null)
                {
                    string hint = _connector?.NoAnswerHint is { } why ? $"; {why}" : "";
                    LogConnectFailed(_logger, PeerAddress, $"no answer within ConnectRetryTime ({_config.ConnectRetryTime.TotalSeconds:0.#} s){hint}");
                }
                await StepAsync(FsmEvent.ConnectRetryTimer_Expires).ConfigureAwait(false);
                break;
            case TimerKind.Hold:
                _reason ??= new SessionDownReason(SessionDownKind.HoldTimerExpired, new NotificationMessage(BgpErrorCode.HoldTimerExpired, 0),
                    $"hold timer expired ({(_negotiated?.HoldTime is ushort h && _fsm.State >= BgpState.OpenConfirm ? h : BgpFsm.LargeHoldTime.TotalSeconds)} s without a message)");
                await StepAsync(FsmEvent.HoldTimer_Expires).ConfigureAwait(false);
                break;
            case TimerKind.DelayOpen:
                await StepAsync(FsmEvent.DelayOpenTimer_Expires).ConfigureAwait(false);
                break;
            case TimerKind.IdleHold:
                await StepAsync(FsmEvent.IdleHoldTimer_Expires).ConfigureAwait(false);
                break;
        }
    }

    private void Arm(TimerKind kind, TimeSpan due)
    {
        long now = _time.GetTimestamp();
        _deadlines[(int)kind] = Math.Max(1, now + (long)(due.TotalSeconds * _time.TimestampFrequency));
        _timers[(int)kind].Change(due, Timeout.InfiniteTimeSpan);
    }

    private void Disarm(TimerKind kind)
    {
        _deadlines[(int)kind] = 0;
        _timers[(int)kind].Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Flushes what the writer holds (e.g. the final NOTIFICATION), then closes the transport.</summary>
    private async Task CloseConnAsync(Conn conn)
    {
        if (conn.Writer is { } w) await w.CloseAsync(CloseFlushTimeout).ConfigureAwait(false);
        conn.Connection.Abort();
        _graveyard.Add(conn);
    }

    /// <summary>Disposes closed connections once no read of theirs is in progress.</summary>
    private async Task BuryAsync()
    {
        if (_graveyard.Count == 0) return;
        Conn[] dead = [.. _graveyard];
        _graveyard.Clear();
        foreach (var c in dead)
        {
            c.Completed = true;
            try
            {
                await c.Handshake.ConfigureAwait(false);
                if (c.Writer is { } w) await w.DisposeAsync().ConfigureAwait(false);
                await c.Connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransportError(ex))
            {
                // A closed transport may complain while it is torn down; it is gone either way.
            }
        }
    }

    private async Task ShutdownAsync()
    {
        for (int i = 0; i < TimerCount; i++) Disarm((TimerKind)i);
        CancelConnect();
        try
        {
            await _connectTask.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // the attempt was superseded
        }
        if (_primary is { } p)
        {
            Volatile.Write(ref _primary, null);
            await CloseConnAsync(p).ConfigureAwait(false);
        }
        await CloseSecondaryAsync(null).ConfigureAwait(false);
        await BuryAsync().ConfigureAwait(false);
        while (_inbox.Reader.TryRead(out var input))
        {
            if (input is AdminStop s) s.Done.TrySetResult();
            else if (input is Inbound i) await DiscardAsync(i.Connection).ConfigureAwait(false);
            else if (input is Connected c) await DiscardAsync(c.Connection).ConfigureAwait(false);
        }
    }

    private void Publish() => _publishedState = (int)_fsm.State;

    private static readonly byte[] KeepaliveBytes = MessageCodec.Encode(KeepaliveMessage.Instance);

    internal static string FormatId(uint id) => $"{id >> 24}.{(id >> 16) & 0xFF}.{(id >> 8) & 0xFF}.{id & 0xFF}";
}
