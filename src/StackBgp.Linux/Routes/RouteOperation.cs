using StackBgp.Linux.Netlink;

namespace StackBgp.Linux.Routes;

public enum RouteOperationKind
{
    /// <summary>Create; fails with EEXIST if a route with the same table, prefix and metric exists.</summary>
    Add,

    /// <summary>Create or replace (NLM_F_CREATE | NLM_F_REPLACE): idempotent.</summary>
    Replace,

    /// <summary>Delete by table, prefix, metric and protocol; a missing route is success.</summary>
    Delete,
}

/// <summary>One route request inside a batch.</summary>
public readonly record struct RouteOperation(RouteOperationKind Kind, KernelRoute Route)
{
    public static RouteOperation Add(KernelRoute route) => new(RouteOperationKind.Add, route);
    public static RouteOperation Replace(KernelRoute route) => new(RouteOperationKind.Replace, route);
    public static RouteOperation Delete(KernelRoute route) => new(RouteOperationKind.Delete, route);
}

/// <summary>A request of a batch the kernel refused: which one (index in the batch), the route,
/// the errno and the kernel's extended-ack text.</summary>
public sealed record RouteError(int Index, RouteOperationKind Operation, KernelRoute Route, int ErrorNumber, string? KernelMessage)
{
    public string ErrorName => Errno.Name(ErrorNumber);

    public override string ToString() =>
        $"{Operation.ToString().ToLowerInvariant()} {Route}: {ErrorName}" + (KernelMessage is null ? "" : $" ({KernelMessage})");
}

/// <summary>What a FIB lookup (RTM_GETROUTE, `ip route get fibmatch`) found: the matching route
/// (null when the kernel answered with an error such as ENETUNREACH).</summary>
public sealed record RouteLookupResult(System.Net.IPAddress Destination, KernelRoute? Route, int ErrorNumber)
{
    public string ErrorName => Errno.Name(ErrorNumber);
}

/// <summary>Selects routes in a dump; null fields match everything.</summary>
public sealed record RouteDumpFilter(int? Protocol = null, int? Table = null, System.Net.Sockets.AddressFamily? Family = null)
{
    /// <summary>Also return cached/cloned entries (never wanted for reconciliation).</summary>
    public bool IncludeCloned { get; init; }

    public bool Matches(int protocol, int table) =>
        (Protocol is null || Protocol == protocol) && (Table is null || Table == table);
}
