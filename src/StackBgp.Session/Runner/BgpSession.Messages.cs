using System.Buffers;
using StackBgp.Wire;

namespace StackBgp.Session;

/// <summary>Received messages → FSM events (RFC 4271 §8.1.5) and handler calls.</summary>
public sealed partial class BgpSession
{
    private async Task HandleMessageAsync(Conn conn, BgpMessageType type, ReadOnlySequence<byte> body)
    {
        switch (type)
        {
            case BgpMessageType.Open:
            {
                ReadOnlySpan<byte> span = BgpFraming.Contiguous(body, ref _scratch);
                if (!MessageCodec.TryDecode(type, span, default, out var msg, out var err))
                {
                    LogDecodeError(_logger, PeerAddress, err!.Value.Reason);
                    await StepAsync(new FsmInput(FsmEvent.BGPOpenMsgErr, err.Value.ToNotification())).ConfigureAwait(false);
                    return;
                }
                var open = (OpenMessage)msg!;
                if (_fsm.State is not (BgpState.OpenSent or BgpState.Connect or BgpState.Active))
                {
                    await StepAsync(FsmEvent.BGPOpen).ConfigureAwait(false); // unexpected here: FSM Error
                    return;
                }
                if (!CapabilityNegotiation.TryNegotiate(_config, _local.Open, open, conn.Connection.LocalEndPoint, conn.Connection.RemoteEndPoint, out var neg, out var nerr))
                {
                    LogOpenRefused(_logger, PeerAddress, nerr!.ToString());
                    await StepAsync(new FsmInput(FsmEvent.BGPOpenMsgErr, nerr)).ConfigureAwait(false);
                    return;
                }
                await OpenAcceptedAsync(neg!).ConfigureAwait(false);
                return;
            }
            case BgpMessageType.Keepalive:
                await StepAsync(FsmEvent.KeepAliveMsg).ConfigureAwait(false);
                return;
            case BgpMessageType.Update:
                await UpdateAsync(body).ConfigureAwait(false);
                return;
            case BgpMessageType.Notification:
            {
                ReadOnlySpan<byte> span = BgpFraming.Contiguous(body, ref _scratch);
                if (!MessageCodec.TryDecode(type, span, default, out var msg, out _))
                {
                    _reason ??= new SessionDownReason(SessionDownKind.NotificationReceived, null, "malformed NOTIFICATION received");
                    await StepAsync(FsmEvent.NotifMsg).ConfigureAwait(false);
                    return;
                }
                var n = (NotificationMessage)msg!;
                LogNotificationReceived(_logger, PeerAddress, n.ToString());
                _reason = new SessionDownReason(SessionDownKind.NotificationReceived, n, $"NOTIFICATION received: {n}");
                bool version = n.Code == BgpErrorCode.OpenMessage && n.Subcode == (byte)OpenMessageSubcode.UnsupportedVersionNumber;
                await StepAsync(version ? FsmEvent.NotifMsgVerErr : FsmEvent.NotifMsg).ConfigureAwait(false);
                return;
            }
            case BgpMessageType.RouteRefresh:
                await RouteRefreshAsync(body).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>The peer's OPEN passed every check: remember what was negotiated and raise event 19 (or 20).</summary>
    private async Task OpenAcceptedAsync(NegotiatedSession neg)
    {
        _negotiated = neg;
        _decodeContext = neg.DecodeContext;
        FsmEvent ev = _fsm.DelayOpenTimerRunning ? FsmEvent.BGPOpen_with_DelayOpenTimer_running : FsmEvent.BGPOpen;
        await StepAsync(new FsmInput(ev, null, neg.HoldTime)).ConfigureAwait(false);
        // A second connection that already sent its OPEN collides now (§6.8).
    }

    private async Task UpdateAsync(ReadOnlySequence<byte> body)
    {
        if (_fsm.State != BgpState.Established)
        {
            await StepAsync(FsmEvent.UpdateMsg).ConfigureAwait(false); // FSM Error (RFC 6608)
            return;
        }
        ReadOnlySpan<byte> span = BgpFraming.Contiguous(body, ref _scratch);
        UpdateDecoder.Decode(span, _decodeContext, _decoded);
        if (_decoded.IsSessionReset)
        {
            // RFC 7606 §2 session reset: the one case where the session sends the NOTIFICATION.
            LogUpdateError(_logger, PeerAddress, _decoded.Errors.ToString());
            await StepAsync(new FsmInput(FsmEvent.UpdateMsgErr, _decoded.Notification)).ConfigureAwait(false);
            return;
        }
        FsmResult r = await StepAsync(FsmEvent.UpdateMsg).ConfigureAwait(false);
        if (!r.Contains(FsmActionKind.ProcessUpdate)) return;
        if (_decoded.Action != ErrorAction.None) LogUpdateError(_logger, PeerAddress, _decoded.Errors.ToString());
        if (_decoded.IsEndOfRib) await _handler.OnEndOfRibAsync(this, _decoded.EndOfRibFamily).ConfigureAwait(false);
        else await _handler.OnUpdateAsync(this, _decoded).ConfigureAwait(false);
    }

    /// <summary>
    /// ROUTE-REFRESH (RFC 2918 §4, RFC 7313 §4). Outside Established it is an unexpected message
    /// (RFC 6608: FSM Error, raised here as event 27 which has the same handling). A family we
    /// did not negotiate is ignored (RFC 2918 §4); a bad length is a ROUTE-REFRESH Message Error
    /// (RFC 7313 §5), raised as event 28 (NOTIFICATION, then Idle).
    /// </summary>
    private async Task RouteRefreshAsync(ReadOnlySequence<byte> body)
    {
        if (_fsm.State != BgpState.Established)
        {
            await StepAsync(FsmEvent.UpdateMsg).ConfigureAwait(false);
            return;
        }
        ReadOnlySpan<byte> span = BgpFraming.Contiguous(body, ref _scratch);
        if (!MessageCodec.TryDecode(BgpMessageType.RouteRefresh, span, default, out var msg, out var err))
        {
            await StepAsync(new FsmInput(FsmEvent.UpdateMsgErr, err!.Value.ToNotification())).ConfigureAwait(false);
            return;
        }
        if (_negotiated is { HoldTime: > 0 } n) Arm(TimerKind.Hold, TimeSpan.FromSeconds(n.HoldTime));
        var rr = (RouteRefreshMessage)msg!;
        if (_negotiated is null || !_negotiated.Supports(rr.Family) || rr.Subtype > RouteRefreshSubtype.EndOfRouteRefresh) return;
        await _handler.OnRouteRefreshAsync(this, rr.Family, rr.Subtype).ConfigureAwait(false);
    }
}
