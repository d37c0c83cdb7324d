using StackBgp.Wire;

namespace StackBgp.Session;

/// <summary>Why a session left Established (or never got there).</summary>
public enum SessionDownKind : byte
{
    /// <summary>We sent a NOTIFICATION (error found locally).</summary>
    NotificationSent,
    /// <summary>The peer sent a NOTIFICATION.</summary>
    NotificationReceived,
    HoldTimerExpired,
    /// <summary>RFC 9687: we could not send for SendHoldTime.</summary>
    SendHoldTimerExpired,
    /// <summary>The TCP connection closed or failed.</summary>
    TransportClosed,
    /// <summary>Stopped by us (StopAsync / dispose).</summary>
    Administrative,
    /// <summary>Lost a connection collision (RFC 4271 §6.8).</summary>
    Collision,
}

/// <summary>Reason a session went down: kind, the NOTIFICATION (sent or received, decoded), and a log text.</summary>
public sealed record SessionDownReason(SessionDownKind Kind, NotificationMessage? Notification, string Text)
{
    public override string ToString() => Text;
}

/// <summary>
/// What a session tells the routing layer. Called on the session's owner task, one call at a
/// time; the session awaits each call before reading the next message, so a slow handler slows
/// only this peer's receive side (keepalives are sent by the writer and never wait for it).
/// </summary>
public interface ISessionHandler
{
    ValueTask OnEstablishedAsync(BgpSession session, NegotiatedSession negotiated);

    /// <summary>
    /// One decoded UPDATE (RFC 7606 already applied: treat-as-withdraw prefixes are in
    /// <see cref="FamilyUpdate.Withdrawn"/>, discarded attributes are gone; <see cref="DecodedUpdate.Action"/>
    /// says which). <paramref name="update"/> is reused for the next UPDATE once the returned task completes.
    /// </summary>
    ValueTask OnUpdateAsync(BgpSession session, DecodedUpdate update);

    ValueTask OnEndOfRibAsync(BgpSession session, AddressFamily family);

    ValueTask OnRouteRefreshAsync(BgpSession session, AddressFamily family, RouteRefreshSubtype subtype);

    ValueTask OnDownAsync(BgpSession session, SessionDownReason reason);

    /// <summary>
    /// Every whole message of one socket read has been handled and at least one was an UPDATE: the
    /// moment to hand a batch of UPDATEs on (so that a burst becomes few large batches, and a single
    /// UPDATE is not held back waiting for more).
    /// </summary>
    ValueTask OnReceiveIdleAsync(BgpSession session) => ValueTask.CompletedTask;
}
