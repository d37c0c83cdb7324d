using System.Net;

namespace StackBgp.Core;

/// <summary>How the router instance runs, beyond the configuration file (daemon command line).</summary>
public sealed record RouterOptions
{
    /// <summary>BGP listen addresses (FRR's <c>bgpd -l</c>); empty = any IPv4 and IPv6 address.</summary>
    public IReadOnlyList<IPAddress> ListenAddresses { get; init; } = [];

    /// <summary>BGP listen port (FRR's <c>bgpd -p</c>); 0 = do not listen.</summary>
    public int ListenPort { get; init; } = 179;

    /// <summary>
    /// The zebra role: watch links/addresses (redistribute connected) and program the kernel FIB.
    /// Off for benchmarks and in-memory tests (FRR's <c>bgpd -Z</c>, "no zebra").
    /// </summary>
    public bool Kernel { get; init; } = true;

    /// <summary>
    /// Graceful restart (RFC 4724 §4.1): start as a restarting speaker (R and F bits, deferred selection) when
    /// graceful restart is configured (FRR's <c>bgpd -K</c>). Null = decide from the kernel: restarting when
    /// routes of ours were kept there by the previous run.
    /// </summary>
    public bool? GracefulRestartRestarting { get; init; }

    /// <summary>
    /// Where the instance keeps state between runs (the daemon: the directory of its API socket). A
    /// graceful stop (SIGTERM with graceful restart negotiated) leaves a marker there with its restart
    /// deadline, so the next start knows it is a restart even when it kept no routes in the kernel (a node
    /// that only originates). Null = no marker.
    /// </summary>
    public string? StateDirectory { get; init; }
}
