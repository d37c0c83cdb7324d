using StackBgp.Wire;

namespace StackBgp.Session;

/// <summary>
/// RFC 8538 (notification support for graceful restart) as pure rules. When both OPENs carried the N bit,
/// a NOTIFICATION or a hold-timer expiry ends the session like a restart (routes kept stale by both sides),
/// except a Cease/Hard Reset, which flushes them; the events that must really remove routes are sent as a
/// Hard Reset wrapping the original Cease (§5.1).
/// </summary>
public static class GracefulRestartNotification
{
    /// <summary>Both sides announced graceful restart with the N bit (RFC 8538 §2).</summary>
    public static bool Negotiated(OpenMessage sent, OpenMessage received)
    {
        ArgumentNullException.ThrowIfNull(sent);
        ArgumentNullException.ThrowIfNull(received);
        return sent.GetCapability<GracefulRestartCapability>() is { Notification: true }
            && received.GetCapability<GracefulRestartCapability>() is { Notification: true };
    }

    /// <summary>
    /// RFC 8538 §5.1: with the N bit negotiated, a Cease for Maximum Number of Prefixes Reached, Administrative
    /// Shutdown, Peer De-configured or BFD Down (RFC 9384) is sent as a Hard Reset; Administrative Reset too
    /// when <paramref name="hardAdministrativeReset"/> (FRR's <c>bgp hard-administrative-reset</c>, default on).
    /// Anything else is sent as it is (and keeps routes as in graceful restart).
    /// </summary>
    public static NotificationMessage ForSending(NotificationMessage notification, bool negotiated, bool hardAdministrativeReset)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (!negotiated || notification.Code != BgpErrorCode.Cease) return notification;
        bool hard = (CeaseSubcode)notification.Subcode switch
        {
            CeaseSubcode.MaximumPrefixesReached or CeaseSubcode.AdministrativeShutdown or CeaseSubcode.PeerDeconfigured
                or CeaseSubcode.BfdDown => true,
            CeaseSubcode.AdministrativeReset => hardAdministrativeReset,
            _ => false,
        };
        return hard ? NotificationMessage.HardReset(notification) : notification;
    }

    /// <summary>A Cease/Hard Reset (RFC 8538 §3): the routes of the session are removed, not kept stale.</summary>
    public static bool IsHardReset(NotificationMessage? notification) =>
        notification is { Code: BgpErrorCode.Cease } n && (CeaseSubcode)n.Subcode == CeaseSubcode.HardReset;

    /// <summary>
    /// Whether the end of a session keeps the peer's routes as in graceful restart: a dropped transport
    /// (no NOTIFICATION) always does (RFC 4724); a NOTIFICATION sent or received, or a hold-timer expiry, only
    /// with the N bit negotiated and when it is not a Hard Reset (RFC 8538 §4).
    /// </summary>
    public static bool KeepsRoutes(NotificationMessage? notification, bool negotiated) =>
        notification is null || (negotiated && !IsHardReset(notification));
}
