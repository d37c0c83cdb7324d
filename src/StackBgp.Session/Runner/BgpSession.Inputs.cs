using System.Buffers;
using System.IO.Pipelines;
using StackBgp.Wire;

namespace StackBgp.Session;

/// <summary>The inbox: admin commands, timers, connection events, carried out on the owner task.</summary>
public sealed partial class BgpSession
{
    private abstract record Input;
    private sealed record AdminStart : Input;
    /// <summary>An administrative stop; <paramref name="Cease"/> null = close without a NOTIFICATION (a graceful restart).</summary>
    private sealed record AdminStop(NotificationMessage? Cease, TaskCompletionSource Done) : Input;
    private sealed record TimerFired(TimerKind Kind) : Input;
    private sealed record AutoRestart : Input;
    private sealed record Connected(IBgpConnection Connection, int Generation) : Input;
    private sealed record ConnectFailed(string Error, int Generation) : Input;
    private sealed record Inbound(IBgpConnection Connection) : Input;
    private sealed record SecondaryOpen(Conn Conn, OpenMessage? Open, NotificationMessage? Error, string? Problem) : Input;
    private sealed record WriterFailed(Conn Conn, string Error) : Input;
    private sealed record SendHoldExpired(Conn Conn) : Input;

    /// <summary>One connection of this peer with its writer (a second one exists only during a collision).</summary>
    private sealed class Conn(IBgpConnection connection)
    {
        public IBgpConnection Connection { get; } = connection;
        public ConnectionWriter? Writer { get; set; }
        public bool Completed { get; set; }
        /// <summary>A handshake reader owns the input until the peer's OPEN is in; the owner must not read.</summary>
        public volatile bool HandshakePending;
        public Task Handshake { get; set; } = Task.CompletedTask;
    }

    private async Task HandleInputAsync(Input input)
    {
        switch (input)
        {
            case AdminStart:
                _adminDown = false;
                // Flaps before this start (e.g. a link cut and BFD Down) must not hold back the restarts after it.
                _backoff = _backoff.Reset();
                if (_fsm.State == BgpState.Idle)
                {
                    Disarm(TimerKind.IdleHold);
                    await StepAsync(_config.Fsm.PassiveTcpEstablishment || _connector is null
                        ? FsmEvent.ManualStart_with_PassiveTcpEstablishment : FsmEvent.ManualStart).ConfigureAwait(false);
                }
                break;
            case AdminStop stop:
                _adminDown = true;
                Disarm(TimerKind.IdleHold);
                if (stop.Cease is null)
                {
                    // RFC 4724 §4: the transport ends without a NOTIFICATION, which the peer treats as our restart.
                    _reason ??= new SessionDownReason(SessionDownKind.Administrative, null,
                        "stopped for a graceful restart (connection closed without NOTIFICATION, RFC 4724)");
                    _silentStop = true;
                    try
                    {
                        await StepAsync(FsmEvent.ManualStop).ConfigureAwait(false);
                    }
                    finally
                    {
                        _silentStop = false;
                    }
                }
                else
                {
                    // RFC 8538 §5.1: the reason names what is really sent (a Hard Reset flushes routes on both sides).
                    var cease = GracefulRestartNotification.ForSending(stop.Cease, _negotiated?.GracefulRestartNotification ?? false, _config.HardAdministrativeReset);
                    _reason ??= new SessionDownReason(SessionDownKind.Administrative, cease, $"administratively stopped ({cease})");
                    await StepAsync(new FsmInput(FsmEvent.ManualStop, cease)).ConfigureAwait(false);
                }
                await CloseSecondaryAsync(null).ConfigureAwait(false);
                stop.Done.TrySetResult();
                break;
            case AutoRestart:
                if (!_adminDown && _fsm.State == BgpState.Idle)
                {
                    await StepAsync(_config.Fsm.PassiveTcpEstablishment || _connector is null
                        ? FsmEvent.AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment
                        : FsmEvent.AutomaticStart_with_DampPeerOscillations).ConfigureAwait(false);
                }
                break;
            case TimerFired t:
                await TimerFiredAsync(t.Kind).ConfigureAwait(false);
                break;
            case Connected c:
                if (c.Generation != _connectGeneration || _adminDown) await DiscardAsync(c.Connection).ConfigureAwait(false);
                else await NewConnectionAsync(c.Connection, FsmEvent.Tcp_CR_Acked).ConfigureAwait(false);
                break;
            case ConnectFailed f:
                if (f.Generation == _connectGeneration && _primary is null && _fsm.State == BgpState.Connect)
                {
                    LogConnectFailed(_logger, PeerAddress, f.Error);
                    await StepAsync(FsmEvent.TcpConnectionFails).ConfigureAwait(false);
                }
                break;
            case Inbound i:
                await NewConnectionAsync(i.Connection, FsmEvent.TcpConnectionConfirmed).ConfigureAwait(false);
                break;
            case SecondaryOpen so:
                await SecondaryOpenAsync(so).ConfigureAwait(false);
                break;
            case WriterFailed wf:
                if (wf.Conn == _primary) await TransportFailedAsync(wf.Conn, wf.Error).ConfigureAwait(false);
                else if (wf.Conn == _secondary) await CloseSecondaryAsync(null).ConfigureAwait(false);
                break;
            case SendHoldExpired sh:
                if (sh.Conn == _primary && _fsm.State >= BgpState.OpenSent)
                {
                    _reason ??= new SessionDownReason(SessionDownKind.SendHoldTimerExpired, new NotificationMessage(BgpErrorCode.SendHoldTimerExpired, 0),
                        "send hold timer expired (RFC 9687): the peer did not read for SendHoldTime");
                    // RFC 9687 §3: the NOTIFICATION is best effort; the blocked flush is abandoned so the close does not wait.
                    sh.Conn.Writer?.Abandon();
                    await StepAsync(FsmEvent.SendHoldTimer_Expires).ConfigureAwait(false);
                }
                break;
        }
    }

    /// <summary>
    /// A new TCP connection (ours completed, or one accepted). In Connect/Active it becomes the
    /// session's connection; after OPEN was sent it is the second connection of §6.8, tracked until
    /// its OPEN arrives; in Idle it is refused.
    /// </summary>
    private async Task NewConnectionAsync(IBgpConnection connection, FsmEvent ev)
    {
        if (_adminDown || _fsm.State == BgpState.Idle)
        {
            LogRefusedWhileIdle(_logger, PeerAddress, connection.Direction);
            await DiscardAsync(connection).ConfigureAwait(false);
            return;
        }
        if (_fsm.State is BgpState.Connect or BgpState.Active && _primary is null)
        {
            CancelConnect();
            Adopt(connection);
            await StepAsync(ev).ConfigureAwait(false);
            return;
        }
        if (_secondary is not null || _primary is null)
        {
            await DiscardAsync(connection).ConfigureAwait(false);
            return;
        }
        // §6.8: track the second connection: send our OPEN on it and wait for the peer's.
        var sec = new Conn(connection);
        sec.Writer = CreateWriter(sec);
        _secondary = sec;
        sec.Writer.EnqueueControl(_local.Bytes);
        sec.HandshakePending = true;
        sec.Handshake = Task.Run(async () =>
        {
            SecondaryOpen result = await ReadSecondaryOpenAsync(sec).ConfigureAwait(false);
            sec.HandshakePending = false;
            Post(result);
        });
        await StepAsync(ev).ConfigureAwait(false);
    }

    private void Adopt(IBgpConnection connection)
    {
        var conn = new Conn(connection);
        conn.Writer = CreateWriter(conn);
        Volatile.Write(ref _primary, conn);
        LogConnected(_logger, PeerAddress, connection.Direction, connection.LocalEndPoint, connection.RemoteEndPoint);
    }

    private ConnectionWriter CreateWriter(Conn conn) => new(conn.Connection.Output, _time, _config.SendQueueCapacity,
        ex => Post(new WriterFailed(conn, ex?.Message ?? "connection closed")),
        () => Post(new SendHoldExpired(conn)));

    /// <summary>Reads frames on the second connection until its OPEN (off the owner task; the caller posts the result).</summary>
    private async Task<SecondaryOpen> ReadSecondaryOpenAsync(Conn sec)
    {
        var input = sec.Connection.Input;
        using var timeout = new CancellationTokenSource(BgpFsm.LargeHoldTime, _time);
        byte[]? scratch = null;
        try
        {
            while (true)
            {
                ReadResult r = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                var buffer = r.Buffer;
                SequencePosition consumed = buffer.Start;
                SequencePosition examined = buffer.End;
                try
                {
                    if (BgpFraming.TryReadMessage(ref buffer, DecodeContext.StandardMaxLength, out var type, out var body, out var headerError))
                    {
                        // What follows the OPEN (e.g. the peer's KEEPALIVE) is left unexamined for the owner's next read.
                        consumed = buffer.Start;
                        examined = consumed;
                        if (headerError is WireError he) return new SecondaryOpen(sec, null, he.ToNotification(), he.Reason);
                        if (type != BgpMessageType.Open)
                            return new SecondaryOpen(sec, null, new NotificationMessage(BgpErrorCode.FiniteStateMachine, (byte)FsmErrorSubcode.UnexpectedMessageInOpenSent), $"{type} before OPEN");
                        var span = BgpFraming.Contiguous(body, ref scratch);
                        return MessageCodec.TryDecode(type, span, default, out var msg, out var err)
                            ? new SecondaryOpen(sec, (OpenMessage)msg!, null, null)
                            : new SecondaryOpen(sec, null, err!.Value.ToNotification(), err.Value.Reason);
                    }
                }
                finally
                {
                    input.AdvanceTo(consumed, examined);
                }
                if (r.IsCompleted) return new SecondaryOpen(sec, null, null, "closed before OPEN");
            }
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            return new SecondaryOpen(sec, null, null, ex.Message);
        }
        finally
        {
            if (scratch is not null) ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// §6.8 connection collision, once the second connection's OPEN is in: keep the connection
    /// initiated by the higher BGP Identifier (<see cref="Collision.Survivor"/>), close the other with
    /// Cease/Connection Collision Resolution. An Established session always wins
    /// (CollisionDetectEstablishedState is off).
    /// </summary>
    private async Task SecondaryOpenAsync(SecondaryOpen so)
    {
        Conn sec = so.Conn;
        if (sec == _primary && _fsm.State == BgpState.OpenSent)
        {
            // Promoted when the other connection failed before this OPEN came in: plain OPEN handling.
            if (so.Open is null)
            {
                if (so.Error is not null) await StepAsync(new FsmInput(FsmEvent.BGPOpenMsgErr, so.Error)).ConfigureAwait(false);
                else await TransportFailedAsync(sec, so.Problem ?? "closed before OPEN").ConfigureAwait(false);
            }
            else if (!CapabilityNegotiation.TryNegotiate(_config, _local.Open, so.Open, sec.Connection.LocalEndPoint, sec.Connection.RemoteEndPoint, out var n1, out var e1))
            {
                LogOpenRefused(_logger, PeerAddress, e1!.ToString());
                await StepAsync(new FsmInput(FsmEvent.BGPOpenMsgErr, e1)).ConfigureAwait(false);
            }
            else
            {
                await OpenAcceptedAsync(n1!).ConfigureAwait(false);
            }
            return;
        }
        if (sec != _secondary) return;
        if (so.Open is null || _primary is null)
        {
            LogSecondaryFailed(_logger, PeerAddress, so.Problem ?? so.Error?.ToString() ?? "no OPEN");
            await CloseSecondaryAsync(so.Error).ConfigureAwait(false);
            return;
        }
        if (!CapabilityNegotiation.TryNegotiate(_config, _local.Open, so.Open, sec.Connection.LocalEndPoint, sec.Connection.RemoteEndPoint, out var neg, out var error))
        {
            await CloseSecondaryAsync(error).ConfigureAwait(false);
            return;
        }
        ConnectionDirection keep = _fsm.State == BgpState.Established
            ? _primary.Connection.Direction
            : Collision.Survivor(_config.LocalBgpId, _config.LocalAs, so.Open.BgpId, neg!.PeerAs);
        LogCollision(_logger, PeerAddress, _fsm.State, keep);
        if (keep == _primary.Connection.Direction)
        {
            await CloseSecondaryAsync(Collision.Notification).ConfigureAwait(false);
            return;
        }
        // The existing connection loses. RFC says its FSM goes to Idle (event 23); the session as a
        // whole continues on the surviving connection, so we carry out only the loser's
        // connection-scoped actions (NOTIFICATION, drop) and go on from OpenSent on the winner,
        // where our OPEN was already sent.
        Conn loser = _primary;
        loser.Writer!.EnqueueControl(MessageCodec.Encode(Collision.Notification));
        LogNotificationSent(_logger, PeerAddress, Collision.Notification.ToString());
        await CloseConnAsync(loser).ConfigureAwait(false);
        Promote(sec);
        await OpenAcceptedAsync(neg!).ConfigureAwait(false);
    }

    /// <summary>The second connection becomes the session's connection, in OpenSent (our OPEN is on it).</summary>
    private void Promote(Conn sec)
    {
        _secondary = null;
        Volatile.Write(ref _primary, sec);
        _fsm = new FsmState(BgpState.OpenSent, _fsm.ConnectRetryCounter);
        Publish();
        Arm(TimerKind.Hold, BgpFsm.LargeHoldTime);
        LogConnected(_logger, PeerAddress, sec.Connection.Direction, sec.Connection.LocalEndPoint, sec.Connection.RemoteEndPoint);
    }

    private async Task CloseSecondaryAsync(NotificationMessage? notification)
    {
        Conn? sec = _secondary;
        if (sec is null) return;
        _secondary = null;
        if (notification is not null)
        {
            sec.Writer!.EnqueueControl(MessageCodec.Encode(notification));
            LogNotificationSent(_logger, PeerAddress, notification.ToString());
        }
        await CloseConnAsync(sec).ConfigureAwait(false);
    }

    private async Task TransportFailedAsync(Conn conn, string error)
    {
        if (conn != _primary) return;
        _reason ??= new SessionDownReason(SessionDownKind.TransportClosed, null, $"TCP connection closed: {error}");
        await StepAsync(FsmEvent.TcpConnectionFails).ConfigureAwait(false);
    }

    private void StartConnect()
    {
        if (_connector is null) return;
        CancelConnect();
        int gen = ++_connectGeneration;
        var cts = new CancellationTokenSource();
        _connectCts = cts;
        // Read the token now: CancelConnect may dispose the source before the task runs.
        CancellationToken token = cts.Token;
        IBgpConnector connector = _connector;
        _connectTask = Task.Run(async () =>
        {
            try
            {
                IBgpConnection c = await connector.ConnectAsync(token).ConfigureAwait(false);
                if (!Post(new Connected(c, gen))) await DiscardAsync(c).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // superseded
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or TimeoutException or IOException)
            {
                Post(new ConnectFailed(ex.Message, gen));
            }
            finally
            {
                cts.Dispose();
            }
        });
    }

    private void CancelConnect()
    {
        _connectGeneration++;
        try
        {
            _connectCts?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the connect task already ended and disposed it
        }
        _connectCts = null;
    }

    private static async Task DiscardAsync(IBgpConnection connection)
    {
        connection.Abort();
        await connection.DisposeAsync().ConfigureAwait(false);
    }
}
