using Microsoft.Extensions.Logging;
using StackBgp.Linux.Routes;

namespace StackBgp.Linux.Fib;

public sealed partial class FibProgrammer
{
    private const int MaxLoggedErrors = 20;
    private bool _nexthopNoteLogged;

    /// <summary>
    /// Merges the queued change sets into the desired state and sends one batch for every
    /// (table, prefix) they touched: replace where the kernel differs, delete where we no longer
    /// want a route, nothing where the kernel already has it right. A metric change installs
    /// the new route first and then deletes the old one (make before break).
    /// </summary>
    private async Task ProcessAppliesAsync(List<ApplyCommand> applies)
    {
        var touched = new List<RouteKey>();
        var seen = new HashSet<RouteKey>();
        int changeCount = 0;
        foreach (ApplyCommand apply in applies)
        {
            foreach (RouteChange change in apply.Changes)
            {
                changeCount++;
                RouteKey key;
                if (change.Kind == RouteChangeKind.Install && change.Route is not null)
                {
                    KernelRoute route = Normalize(change.Route, _options.Protocol);
                    key = RouteKey.Of(route);
                    _desired[key] = route;
                }
                else
                {
                    key = new RouteKey(NormalizeTable(change.Table), change.Prefix);
                    _ = _desired.Remove(key);
                }

                if (seen.Add(key))
                {
                    touched.Add(key);
                }
            }
        }

        var ops = new List<RouteOperation>(touched.Count);
        int unchanged = 0;
        foreach (RouteKey key in touched)
        {
            KernelRoute? installed = _installed.GetValueOrDefault(key);
            if (_desired.TryGetValue(key, out KernelRoute? desired))
            {
                _ = _stale.Remove(key);
                if (installed is not null && installed.SameForwarding(desired))
                {
                    _ = _failed.Remove(key);
                    unchanged++;
                    continue;
                }

                ops.Add(RouteOperation.Replace(desired));
            }
            else
            {
                _ = _failed.Remove(key);
                _ = _stale.Remove(key);
                if (installed is null)
                {
                    unchanged++;
                    continue;
                }

                ops.Add(RouteOperation.Delete(installed));
            }
        }

        var errorByKey = new Dictionary<RouteKey, RouteError>();
        List<RouteOperation> makeBeforeBreak = await ExecuteAndRecordAsync(ops, errorByKey, "apply").ConfigureAwait(false);
        if (makeBeforeBreak.Count > 0)
        {
            _ = await ExecuteAndRecordAsync(makeBeforeBreak, errorByKey, "apply (old metric)").ConfigureAwait(false);
        }

        foreach (ApplyCommand apply in applies)
        {
            var errors = new List<RouteError>();
            for (int i = 0; i < apply.Changes.Count; i++)
            {
                RouteChange c = apply.Changes[i];
                if (errorByKey.TryGetValue(new RouteKey(NormalizeTable(c.Table), c.Prefix), out RouteError? e))
                {
                    errors.Add(e with { Index = i });
                }
            }

            apply.Completion.TrySetResult(new FibApplyResult(apply.Changes.Count, ops.Count + makeBeforeBreak.Count, unchanged, errors));
        }

        if (changeCount > 1000 || _logger.IsEnabled(LogLevel.Debug))
        {
            _logger.LogInformation("FIB: {Changes} changes → {Requests} kernel requests, {Unchanged} unchanged, {Errors} refused",
                changeCount, ops.Count + makeBeforeBreak.Count, unchanged, errorByKey.Count);
        }
    }

    /// <summary>Routes were deleted or replaced: an object may have lost its last route. One cleanup
    /// runs <see cref="UnusedNexthopKeep"/> later (not per batch: it reads every route we hold).</summary>
    private void ArmNexthopCleanup(List<RouteOperation> ops)
    {
        if (_pruneTimer is not null || _client!.NexthopObjects.Count == 0)
        {
            return;
        }

        foreach (RouteOperation op in ops)
        {
            if (op.Kind != RouteOperationKind.Add)
            {
                _pruneTimer = _options.TimeProvider.CreateTimer(
                    _ => _commands.Writer.TryWrite(new PruneNexthopsCommand()), null, UnusedNexthopKeep, Timeout.InfiniteTimeSpan);
                return;
            }
        }
    }

    private async Task PruneUnusedNexthopsAsync()
    {
        var inUse = new HashSet<System.Net.IPAddress>();
        foreach (KernelRoute route in _installed.Values)
        {
            foreach (KernelNextHop nh in route.NextHops)
            {
                if (nh.Gateway is { } gw)
                {
                    inUse.Add(NetlinkRouteClient.Unscoped(gw));
                }
            }
        }

        int n = await _client!.DeleteNexthopsNotUsedAsync(inUse).ConfigureAwait(false);
        if (n > 0)
        {
            _logger.LogInformation("FIB: deleted {Count} nexthop objects no route used for {Keep} s", n, UnusedNexthopKeep.TotalSeconds);
        }
    }

    /// <summary>Sends the operations and records the outcome in the installed/failed maps.
    /// Returns the deletes of old-metric routes that successful replaces left behind.</summary>
    private async Task<List<RouteOperation>> ExecuteAndRecordAsync(List<RouteOperation> ops, Dictionary<RouteKey, RouteError>? errorByKey, string what)
    {
        var followUp = new List<RouteOperation>();
        if (ops.Count == 0)
        {
            return followUp;
        }

        IReadOnlyList<RouteError> errors = await _client!.ExecuteAsync(ops).ConfigureAwait(false);
        ArmNexthopCleanup(ops);
        if (!_nexthopNoteLogged && _client.NexthopObjectsUnavailable is { } why)
        {
            _nexthopNoteLogged = true;
            _logger.LogInformation("FIB: routes carry their next hops inline: {Reason}", why);
        }

        _ = Interlocked.Add(ref _requestCount, ops.Count);
        ReportChanged(ops);
        int e = 0;
        for (int i = 0; i < ops.Count; i++)
        {
            RouteOperation op = ops[i];
            RouteKey key = RouteKey.Of(op.Route);
            if (e < errors.Count && errors[e].Index == i)
            {
                RouteError error = errors[e++];
                if (op.Kind != RouteOperationKind.Delete)
                {
                    _failed[key] = error;
                }

                if (errorByKey is not null)
                {
                    errorByKey[key] = error;
                }

                bool retry = what.StartsWith("retry", StringComparison.Ordinal);
                if (!retry)
                {
                    Publish(new FibRouteFailed(error));
                }

                if (e <= MaxLoggedErrors && (!retry || _logger.IsEnabled(LogLevel.Debug)))
                {
                    _logger.LogWarning("FIB {What}: kernel refused {Error}", what, error);
                }

                continue;
            }

            if (op.Kind == RouteOperationKind.Delete)
            {
                if (_installed.TryGetValue(key, out KernelRoute? current) && ReferenceEquals(current, op.Route))
                {
                    _ = _installed.Remove(key);
                }

                continue;
            }

            _ = _failed.Remove(key);
            if (_installed.TryGetValue(key, out KernelRoute? old) && old.Metric != op.Route.Metric)
            {
                followUp.Add(RouteOperation.Delete(old));
            }

            _installed[key] = op.Route;
        }

        if (errors.Count > MaxLoggedErrors && !what.StartsWith("retry", StringComparison.Ordinal))
        {
            _logger.LogWarning("FIB {What}: {More} more routes refused", what, errors.Count - MaxLoggedErrors);
        }

        return followUp;
    }

    private void ReportChanged(List<RouteOperation> ops)
    {
        if (_options.RoutesChanged is { } report && ops.Count > 0)
        {
            var prefixes = new System.Net.IPNetwork[ops.Count];
            for (int i = 0; i < ops.Count; i++)
            {
                prefixes[i] = ops[i].Route.Prefix;
            }

            report(prefixes);
        }
    }

    private static int NormalizeTable(int table) => table == 0 ? RouteTable.Main : table;

    /// <summary>
    /// The route as we will ask for it and as the kernel will report it back: our protocol,
    /// table 0 → main, IPv6 metric 0 → 1024 (the kernel's default), a link-local gateway's scope
    /// id as its interface, weight 1 for a single next hop.
    /// </summary>
    private static KernelRoute Normalize(KernelRoute route, int protocol)
    {
        int table = NormalizeTable(route.Table);
        int metric = route.IsIpv6 && route.Metric == 0 ? 1024 : route.Metric;
        KernelNextHop[]? hops = null;
        for (int i = 0; i < route.NextHops.Count; i++)
        {
            KernelNextHop nh = route.NextHops[i];
            KernelNextHop fixedHop = nh;
            // A hop given by interface name stays by name: the client resolves it at every
            // request, so an interface that is deleted and created again (new index) still works.
            if (nh.IfIndex == 0 && nh.IfName is null && nh.Gateway is { IsIPv6LinkLocal: true, ScopeId: > 0 and <= int.MaxValue } g)
            {
                fixedHop = fixedHop with { IfIndex = (int)g.ScopeId };
            }

            int weight = route.NextHops.Count == 1 ? 1 : Math.Clamp(nh.Weight, 1, 256);
            if (weight != nh.Weight)
            {
                fixedHop = fixedHop with { Weight = weight };
            }

            if (!ReferenceEquals(fixedHop, nh))
            {
                hops ??= [.. route.NextHops];
                hops[i] = fixedHop;
            }
        }

        if (hops is null && table == route.Table && metric == route.Metric && route.Protocol == protocol)
        {
            return route;
        }

        return route with { Table = table, Metric = metric, Protocol = protocol, NextHops = hops ?? route.NextHops };
    }
}
