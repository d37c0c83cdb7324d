using System.Net;
using Microsoft.Extensions.Logging;

namespace StackBgp.Session;

/// <summary>Structured session logs ([LoggerMessage]). Passwords are never part of any of them.</summary>
public sealed partial class BgpSession
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "BGP session to {Peer} Established: AS {PeerAs}, router-id {RouterId}, hold time {HoldTime} s, families [{Families}], hostname {HostName}")]
    private static partial void LogSessionUp(ILogger logger, IPAddress peer, uint peerAs, string routerId, ushort holdTime, string families, string hostName);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "BGP session to {Peer} down after {Seconds:0.#} s Established: {Reason}")]
    private static partial void LogSessionDown(ILogger logger, IPAddress peer, string reason, double seconds);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "NOTIFICATION sent to {Peer}: {Notification}")]
    private static partial void LogNotificationSent(ILogger logger, IPAddress peer, string notification);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "NOTIFICATION received from {Peer}: {Notification}")]
    private static partial void LogNotificationReceived(ILogger logger, IPAddress peer, string notification);

    [LoggerMessage(EventId = 204, Level = LogLevel.Debug, Message = "BGP {Peer}: {From} -> {To} on {Event}")]
    private static partial void LogStateChange(ILogger logger, IPAddress peer, BgpState from, BgpState to, FsmEvent @event);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "BGP session to {Peer} failed in {State}: {Reason}")]
    private static partial void LogSessionFailed(ILogger logger, IPAddress peer, BgpState state, string reason);

    [LoggerMessage(EventId = 206, Level = LogLevel.Information, Message = "TCP connection to {Peer} failed: {Error}")]
    private static partial void LogConnectFailed(ILogger logger, IPAddress peer, string error);

    [LoggerMessage(EventId = 207, Level = LogLevel.Debug, Message = "BGP {Peer}: {Direction} TCP connection {Local} -> {Remote}")]
    private static partial void LogConnected(ILogger logger, IPAddress peer, ConnectionDirection direction, IPEndPoint? local, IPEndPoint? remote);

    [LoggerMessage(EventId = 208, Level = LogLevel.Information, Message = "BGP {Peer}: connection collision in {State}, keeping the {Keep} connection (RFC 4271 §6.8)")]
    private static partial void LogCollision(ILogger logger, IPAddress peer, BgpState state, ConnectionDirection keep);

    [LoggerMessage(EventId = 209, Level = LogLevel.Information, Message = "BGP {Peer}: second connection dropped: {Reason}")]
    private static partial void LogSecondaryFailed(ILogger logger, IPAddress peer, string reason);

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "BGP {Peer}: OPEN refused: {Notification}")]
    private static partial void LogOpenRefused(ILogger logger, IPAddress peer, string notification);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "BGP {Peer}: malformed message: {Reason}")]
    private static partial void LogDecodeError(ILogger logger, IPAddress peer, string reason);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "BGP {Peer}: UPDATE error (RFC 7606): {Errors}")]
    private static partial void LogUpdateError(ILogger logger, IPAddress peer, string errors);

    [LoggerMessage(EventId = 213, Level = LogLevel.Debug, Message = "BGP {Peer}: idle hold {Seconds:0.#} s before the next start")]
    private static partial void LogIdleHold(ILogger logger, IPAddress peer, double seconds);

    [LoggerMessage(EventId = 215, Level = LogLevel.Critical, Message = "BGP {Peer}: session task failed")]
    private static partial void LogOwnerFailed(ILogger logger, IPAddress peer, Exception exception);

    [LoggerMessage(EventId = 214, Level = LogLevel.Information, Message = "BGP {Peer}: {Direction} connection refused: session is Idle")]
    private static partial void LogRefusedWhileIdle(ILogger logger, IPAddress peer, ConnectionDirection direction);
}
