using System.Net;
using StackBgp.Linux.Routes;

namespace StackBgp.Linux.Fib;

public enum RouteChangeKind
{
    /// <summary>Install or replace the route for (table, prefix).</summary>
    Install,

    /// <summary>Remove our route for (table, prefix).</summary>
    Remove,
}

/// <summary>One desired-state change handed to the <see cref="FibProgrammer"/>.</summary>
public readonly record struct RouteChange(RouteChangeKind Kind, IPNetwork Prefix, int Table, KernelRoute? Route)
{
    public static RouteChange Install(KernelRoute route)
    {
        ArgumentNullException.ThrowIfNull(route);
        return new(RouteChangeKind.Install, route.Prefix, route.Table, route);
    }

    public static RouteChange Remove(IPNetwork prefix, int table = RouteTable.Main) =>
        new(RouteChangeKind.Remove, prefix, table, null);
}

public sealed class FibOptions
{
    /// <summary>rtm_protocol of our routes (186 = bgp, as FRR's zebra uses for BGP routes).</summary>
    public int Protocol { get; init; } = RouteProtocol.Bgp;

    /// <summary>After a start that found routes of our protocol in the kernel, how long they are
    /// kept (and reused if desired again) before the ones nobody asked for are swept.</summary>
    public TimeSpan StaleGraceTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Remove our routes from the kernel on stop. Default false: routes stay and keep
    /// forwarding across a restart (FRR's `zebra -r`, "retain").</summary>
    public bool RemoveRoutesOnStop { get; init; }

    /// <summary>Reinstall a route of ours that someone else deleted (logged).</summary>
    public bool ReinstallDeletedRoutes { get; init; } = true;

    /// <summary>Tables we own routes in; null = every table (routes of our protocol anywhere).</summary>
    public IReadOnlySet<int>? Tables { get; init; }

    /// <summary>Network namespace to program (null = the process's).</summary>
    public string? NetNamespace { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Routes with one directly connected gateway name a shared kernel nexthop object
    /// (Linux 5.3+; inline next hops where the kernel has none), as zebra does.</summary>
    public bool UseNexthopObjects { get; init; } = true;

    /// <summary>Told the prefixes of every batch of our requests once the kernel has answered it (next-hop
    /// tracking learns of our own changes this way, without reading their notifications). Runs on the
    /// programmer's task: must not block.</summary>
    public Action<IReadOnlyList<System.Net.IPNetwork>>? RoutesChanged { get; init; }
}

public enum FibEntryState
{
    /// <summary>In the kernel as desired.</summary>
    Installed,

    /// <summary>Desired, not (yet) in the kernel as desired.</summary>
    Pending,

    /// <summary>Desired, the kernel refused it (see the error); retried on link up and resync.</summary>
    Failed,

    /// <summary>Found in the kernel at start, not desired (yet): swept when the grace time ends.</summary>
    Stale,
}

/// <summary>One route as the FIB programmer sees it (for `show ip route`).</summary>
public sealed record FibEntry(KernelRoute Route, FibEntryState State, RouteError? LastError);

/// <summary>What one <see cref="FibProgrammer.ApplyAsync"/> did: its change count and the routes
/// the kernel refused (Index = position in the change list). Change sets queued together are
/// merged into one batch; KernelRequests and Unchanged (changes that needed no request because
/// the kernel already had them right) count that whole batch.</summary>
public sealed record FibApplyResult(int Changes, int KernelRequests, int Unchanged, IReadOnlyList<RouteError> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

public abstract record FibEvent;

/// <summary>The kernel refused a route (install, replace, reinstall or sweep).</summary>
public sealed record FibRouteFailed(RouteError Error) : FibEvent;

/// <summary>A route of ours was deleted by someone else and put back.</summary>
public sealed record FibRouteReinstalled(KernelRoute Route) : FibEvent;

/// <summary>Stale routes from before a restart were removed at the end of the grace time.</summary>
public sealed record FibStaleSwept(int Count) : FibEvent;

/// <summary>The kernel state was re-read and repaired (after link up or a notification overrun).</summary>
public sealed record FibResynced(string Reason, int Repaired) : FibEvent;

/// <summary>Totals since start, for metrics.</summary>
public sealed record FibCounters(long KernelRequests, long Refused, long Reinstalled, long Resyncs, long StaleSwept);
