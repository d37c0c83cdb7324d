using Microsoft.Extensions.Logging;
using StackBgp.Linux.Netlink;
using StackBgp.Linux.Routes;

namespace StackBgp.Linux.Fib;

public sealed partial class FibProgrammer
{
    private async Task<List<KernelRoute>> DumpOursAsync(CancellationToken cancellationToken = default)
    {
        List<KernelRoute> routes = await _client!.DumpRoutesAsync(new RouteDumpFilter(Protocol: _options.Protocol), cancellationToken).ConfigureAwait(false);
        if (_options.Tables is { } tables)
        {
            _ = routes.RemoveAll(r => !tables.Contains(r.Table));
        }

        return routes;
    }

    /// <summary>
    /// At start: every route of our protocol already in the kernel (left by a previous run that
    /// kept its routes) becomes stale. It keeps forwarding; if the new run desires the same route
    /// it is reused without a kernel request; at the end of the grace time the rest is swept.
    /// </summary>
    private async Task LoadInitialStateAsync(CancellationToken cancellationToken)
    {
        foreach (KernelRoute route in await DumpOursAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = RouteKey.Of(route);
            if (_installed.TryAdd(key, route))
            {
                _ = _stale.Add(key);
            }
            else
            {
                _strays.Add(route); // same table and prefix, another metric
            }
        }

        if (_stale.Count + _strays.Count == 0)
        {
            return;
        }

        _inGrace = true;
        _logger.LogInformation("FIB: found {Count} routes of protocol {Protocol} in the kernel; kept {Grace} s before sweeping those not desired again",
            _stale.Count + _strays.Count, _options.Protocol, _options.StaleGraceTime.TotalSeconds);
        _graceTimer = _options.TimeProvider.CreateTimer(
            _ => _commands.Writer.TryWrite(new GraceExpiredCommand()),
            null,
            _options.StaleGraceTime > TimeSpan.Zero ? _options.StaleGraceTime : TimeSpan.Zero,
            Timeout.InfiniteTimeSpan);
    }

    private async Task<int> SweepAsync()
    {
        if (!_inGrace)
        {
            return 0;
        }

        _inGrace = false;
        _graceTimer?.Dispose();
        var ops = new List<RouteOperation>();
        foreach (RouteKey key in _stale)
        {
            if (!_desired.ContainsKey(key) && _installed.TryGetValue(key, out KernelRoute? route))
            {
                ops.Add(RouteOperation.Delete(route));
            }
        }

        foreach (KernelRoute stray in _strays)
        {
            if (!_desired.TryGetValue(RouteKey.Of(stray), out KernelRoute? d) || d.Metric != stray.Metric)
            {
                ops.Add(RouteOperation.Delete(stray));
            }
        }

        _stale.Clear();
        _strays.Clear();
        _ = await ExecuteAndRecordAsync(ops, null, "sweep").ConfigureAwait(false);
        int objects = await _client!.PruneNexthopsAsync().ConfigureAwait(false);
        _logger.LogInformation("FIB: grace time over, swept {Count} stale routes and {Objects} unused nexthop objects", ops.Count, objects);
        Publish(new FibStaleSwept(ops.Count));
        return ops.Count;
    }

    /// <summary>
    /// Re-reads our routes from the kernel and repairs every difference from the desired state.
    /// Needed where the kernel changes routes without telling: IPv4 routes through an interface
    /// that went administratively down are flushed silently, and a notification overrun loses
    /// messages. Failed routes are retried here too.
    /// </summary>
    private async Task ResyncAsync(string reason)
    {
        _ = await _client!.DumpLinksAsync().ConfigureAwait(false); // interface names → indexes may have changed
        List<KernelRoute> routes = await DumpOursAsync().ConfigureAwait(false);
        _installed.Clear();
        var extras = new List<KernelRoute>();
        foreach (KernelRoute route in routes)
        {
            var key = RouteKey.Of(route);
            if (!_installed.TryGetValue(key, out KernelRoute? first))
            {
                _installed[key] = route;
            }
            else if (_desired.TryGetValue(key, out KernelRoute? d) && d.Metric == route.Metric)
            {
                _installed[key] = route;
                extras.Add(first);
            }
            else
            {
                extras.Add(route);
            }
        }

        var ops = new List<RouteOperation>();
        foreach ((RouteKey key, KernelRoute desired) in _desired)
        {
            if (!(_installed.TryGetValue(key, out KernelRoute? have) && have.SameForwarding(desired)))
            {
                ops.Add(RouteOperation.Replace(desired));
            }
        }

        foreach ((RouteKey key, KernelRoute have) in _installed)
        {
            if (!_desired.ContainsKey(key) && !(_inGrace && _stale.Contains(key)))
            {
                ops.Add(RouteOperation.Delete(have));
            }
        }

        if (!_inGrace)
        {
            ops.AddRange(extras.Select(RouteOperation.Delete));
        }

        _ = _stale.RemoveWhere(k => !_installed.ContainsKey(k));
        List<RouteOperation> followUp = await ExecuteAndRecordAsync(ops, null, "resync").ConfigureAwait(false);
        _ = await ExecuteAndRecordAsync(followUp, null, "resync (old metric)").ConfigureAwait(false);
        if (ops.Count > 0)
        {
            _logger.LogWarning("FIB: resync after {Reason}: {Count} routes repaired", reason, ops.Count);
        }

        _ = await _client!.PruneNexthopsAsync().ConfigureAwait(false);
        Publish(new FibResynced(reason, ops.Count));
    }

    /// <summary>
    /// Routes of ours the kernel reports deleted by someone else (or by the kernel itself). A
    /// desired one is put back with NLM_F_CREATE|NLM_F_EXCL: EEXIST then means it is in fact
    /// still there (the report was stale), so a notification can never start a loop.
    /// </summary>
    private async Task ReinstallAsync(List<KernelRoute> deleted)
    {
        var ops = new List<RouteOperation>();
        var keys = new HashSet<RouteKey>();
        foreach (KernelRoute gone in deleted)
        {
            var key = RouteKey.Of(gone);
            if (_installed.TryGetValue(key, out KernelRoute? have) && have.Metric == gone.Metric)
            {
                _ = _installed.Remove(key);
                _ = _stale.Remove(key);
            }

            if (_options.ReinstallDeletedRoutes && _desired.TryGetValue(key, out KernelRoute? desired)
                && desired.Metric == gone.Metric && keys.Add(key))
            {
                ops.Add(RouteOperation.Add(desired));
            }
        }

        if (ops.Count == 0)
        {
            return;
        }

        IReadOnlyList<RouteError> errors = await _client!.ExecuteAsync(ops).ConfigureAwait(false);
        _ = Interlocked.Add(ref _requestCount, ops.Count);
        ReportChanged(ops);
        int e = 0;
        for (int i = 0; i < ops.Count; i++)
        {
            KernelRoute route = ops[i].Route;
            var key = RouteKey.Of(route);
            if (e < errors.Count && errors[e].Index == i)
            {
                RouteError error = errors[e++];
                if (error.ErrorNumber == Errno.EEXIST)
                {
                    _installed[key] = route;
                    continue;
                }

                _failed[key] = error;
                _logger.LogWarning("FIB: route {Route} was deleted by someone else; reinstall refused: {Error}", route, error.ErrorName);
                Publish(new FibRouteFailed(error));
                continue;
            }

            _installed[key] = route;
            _ = _failed.Remove(key);
            _logger.LogWarning("FIB: route {Route} was deleted by someone else; reinstalled", route);
            Publish(new FibRouteReinstalled(route));
        }
    }

    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Refused routes are retried with a back-off (1 s doubling to 30 s): a next hop that was
    /// not resolvable yet (an address or connected route still coming up) usually becomes so
    /// without any notification we listen to.
    /// </summary>
    private void ArmRetry()
    {
        if (_failed.Count == 0)
        {
            _retryDelay = MinRetryDelay;
            return;
        }

        if (_retryTimer is null && !_stopping.IsCancellationRequested)
        {
            _retryTimer = _options.TimeProvider.CreateTimer(_ => _commands.Writer.TryWrite(new RetryCommand()), null, _retryDelay, Timeout.InfiniteTimeSpan);
            _retryDelay = _retryDelay * 2 > MaxRetryDelay ? MaxRetryDelay : _retryDelay * 2;
        }
    }

    private async Task RetryFailedAsync()
    {
        var ops = new List<RouteOperation>();
        foreach (RouteKey key in _failed.Keys.ToList())
        {
            if (_desired.TryGetValue(key, out KernelRoute? desired))
            {
                ops.Add(RouteOperation.Replace(desired));
            }
            else
            {
                _ = _failed.Remove(key);
            }
        }

        int before = ops.Count;
        List<RouteOperation> followUp = await ExecuteAndRecordAsync(ops, null, "retry").ConfigureAwait(false);
        _ = await ExecuteAndRecordAsync(followUp, null, "retry (old metric)").ConfigureAwait(false);
        if (before > _failed.Count)
        {
            _logger.LogInformation("FIB: retry installed {Count} previously refused routes", before - _failed.Count);
        }
    }

    private async Task ShutdownAsync()
    {
        _graceTimer?.Dispose();
        if (!_options.RemoveRoutesOnStop)
        {
            _logger.LogInformation("FIB: stopping, {Count} routes stay in the kernel", _installed.Count);
            return;
        }

        var ops = _installed.Values.Concat(_strays).Select(RouteOperation.Delete).ToList();
        _ = await ExecuteAndRecordAsync(ops, null, "stop").ConfigureAwait(false);
        _logger.LogInformation("FIB: stopping, removed {Count} routes from the kernel", ops.Count);
    }
}
