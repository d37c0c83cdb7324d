using StackBgp.Wire;

namespace StackBgp.Session;

/// <summary>Hold time, keepalive and send hold time rules (RFC 4271 §4.2, §10; RFC 9687).</summary>
public static class HoldTimes
{
    /// <summary>RFC 9687 §4: SendHoldTime is at least 8 minutes.</summary>
    public static readonly TimeSpan MinimumSendHoldTime = TimeSpan.FromMinutes(8);

    /// <summary>
    /// RFC 4271 §4.2: "An implementation MUST reject Hold Time values of one or two seconds" (OPEN
    /// Message Error / Unacceptable Hold Time); otherwise the smaller of ours and the peer's is used,
    /// and 0 means no HoldTimer and no KEEPALIVEs.
    /// </summary>
    public static bool TryNegotiate(ushort local, ushort remote, out ushort negotiated, out NotificationMessage? error)
    {
        negotiated = 0;
        error = null;
        if (remote is 1 or 2)
        {
            error = new NotificationMessage(BgpErrorCode.OpenMessage, (byte)OpenMessageSubcode.UnacceptableHoldTime);
            return false;
        }
        negotiated = Math.Min(local, remote);
        return true;
    }

    /// <summary>
    /// The keepalive interval: one third of the negotiated hold time (§10 suggests), or the configured
    /// keepalive when that is smaller; zero when the hold time is zero.
    /// </summary>
    public static TimeSpan KeepaliveInterval(ushort negotiatedHoldTime, TimeSpan configuredKeepalive)
    {
        if (negotiatedHoldTime == 0) return TimeSpan.Zero;
        TimeSpan third = TimeSpan.FromSeconds(negotiatedHoldTime / 3.0);
        TimeSpan ka = configuredKeepalive > TimeSpan.Zero && configuredKeepalive < third ? configuredKeepalive : third;
        return ka < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : ka;
    }

    /// <summary>RFC 9687 §4: SendHoldTime = max(8 minutes, 2 × HoldTime).</summary>
    public static TimeSpan SendHoldTime(ushort negotiatedHoldTime)
    {
        TimeSpan twice = TimeSpan.FromSeconds(2.0 * negotiatedHoldTime);
        return twice > MinimumSendHoldTime ? twice : MinimumSendHoldTime;
    }
}

/// <summary>
/// The idle hold back-off for a flapping peer (RFC 4271 §8.1.1 DampPeerOscillations; the method is
/// left to the implementation). Each flap doubles the wait up to <see cref="Max"/>; a session that
/// stayed Established for <see cref="StablePeriod"/> resets it to <see cref="Base"/>.
/// </summary>
public readonly record struct IdleHoldBackoff(TimeSpan Base, TimeSpan Max, TimeSpan StablePeriod, TimeSpan Current)
{
    /// <summary>1 s doubling up to 120 s; reset after 5 minutes Established.</summary>
    public static IdleHoldBackoff Default => Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(120), TimeSpan.FromMinutes(5));

    public static IdleHoldBackoff Create(TimeSpan @base, TimeSpan max, TimeSpan stablePeriod) => new(@base, max, stablePeriod, @base);

    /// <summary>
    /// One more flap (the FSM's DampPeerOscillations action). <paramref name="establishedFor"/> is how
    /// long the session that just went down stayed Established (zero if it never got there).
    /// Returns the back-off to wait before the next start.
    /// </summary>
    /// <summary>
    /// Back to the base wait: an explicit start (operator, configuration, or BFD reporting the path Up
    /// again) is new evidence, so earlier flaps no longer lengthen the next automatic restart.
    /// </summary>
    public IdleHoldBackoff Reset() => this with { Current = Base };

    public IdleHoldBackoff AfterFlap(TimeSpan establishedFor)
    {
        if (establishedFor >= StablePeriod) return this with { Current = Base };
        TimeSpan doubled = Current + Current;
        return this with { Current = doubled > Max ? Max : doubled };
    }
}

/// <summary>Which of two connections to one peer survives a collision.</summary>
public enum ConnectionDirection : byte
{
    /// <summary>The connection we initiated (active open).</summary>
    Outbound,
    /// <summary>The connection the peer initiated (we accepted it).</summary>
    Inbound,
}

/// <summary>Connection collision detection (RFC 4271 §6.8), written once.</summary>
public static class Collision
{
    /// <summary>
    /// §6.8: the connection initiated by the speaker with the higher BGP Identifier is kept.
    /// RFC 6286 §2.3: when the identifiers are equal (allowed between different ASes), the
    /// connection initiated by the speaker with the larger AS number is kept. Identifiers compare
    /// as unsigned 32-bit integers in host order.
    /// </summary>
    public static ConnectionDirection Survivor(uint localId, uint localAs, uint remoteId, uint remoteAs)
    {
        if (localId != remoteId) return localId > remoteId ? ConnectionDirection.Outbound : ConnectionDirection.Inbound;
        return localAs > remoteAs ? ConnectionDirection.Outbound : ConnectionDirection.Inbound;
    }

    /// <summary>
    /// The Cease the losing connection is closed with (RFC 4486 §4, subcode 7).
    /// </summary>
    public static NotificationMessage Notification { get; } = NotificationMessage.Cease(CeaseSubcode.ConnectionCollisionResolution);
}
