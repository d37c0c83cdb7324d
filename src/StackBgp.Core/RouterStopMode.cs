namespace StackBgp.Core;

/// <summary>How <see cref="Router.StopAsync(RouterStopMode, CancellationToken)"/> ends the Established sessions.</summary>
public enum RouterStopMode
{
    /// <summary>
    /// A planned restart (stackbgpd's SIGTERM): peers with which graceful restart was negotiated in both
    /// directions keep our routes as stale (RFC 4724) and our kernel routes stay; the others withdraw them.
    /// </summary>
    GracefulRestart,

    /// <summary>A stop for good (SIGINT): Cease/Administrative Shutdown to every peer, which withdraws our routes now.</summary>
    Withdraw,
}
