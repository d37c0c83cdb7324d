using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackBgp.Linux.Netlink;
using StackBgp.Linux.Routes;

namespace StackBgp.Linux.Fib;

/// <summary>
/// Owns our routes in the kernel FIB. One owner task, fed by a channel, holds the desired state
/// (one route per table and prefix) and what is installed, turns changes into batched netlink
/// requests, reconciles with the kernel at start (routes already right are reused, the rest are
/// swept after a grace time), keeps or removes its routes at stop, and listens to route and
/// link notifications to put back a route of ours that someone else deleted.
/// </summary>
public sealed partial class FibProgrammer : IFibProgrammer
{
    private readonly FibOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<Command> _commands = Channel.CreateUnbounded<Command>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<FibEvent> _events = Channel.CreateBounded<FibEvent>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;

    // Owner-task state (touched only by RunAsync and what it calls).
    private readonly Dictionary<RouteKey, KernelRoute> _desired = [];
    private readonly Dictionary<RouteKey, KernelRoute> _installed = [];
    private readonly Dictionary<RouteKey, RouteError> _failed = [];
    private readonly HashSet<RouteKey> _stale = [];
    private readonly List<KernelRoute> _strays = [];
    private bool _inGrace;
    private bool _resyncRequested;
    private string _resyncReason = "";
    private ITimer? _graceTimer;
    private ITimer? _retryTimer;
    private ITimer? _pruneTimer;

    /// <summary>How long a nexthop object no route uses stays (zebra's `nexthop-group keep` default):
    /// a peer that comes back within it finds its object again.</summary>
    internal static readonly TimeSpan UnusedNexthopKeep = TimeSpan.FromSeconds(180);
    private TimeSpan _retryDelay = MinRetryDelay;

    private long _requestCount;
    private long _refusedCount;
    private long _reinstalledCount;
    private long _resyncCount;
    private long _sweptCount;
    private NetlinkRouteClient? _client;
    private NetlinkSocket? _listenSocket;
    private Task? _ownerTask;
    private Task? _listenTask;
    private int _started;

    public FibProgrammer(FibOptions? options = null, ILogger<FibProgrammer>? logger = null)
    {
        _options = options ?? new FibOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public FibOptions Options => _options;

    /// <summary>The netlink port id of our route requests (nlmsg_pid of the notifications they cause);
    /// 0 before <see cref="StartAsync"/>.</summary>
    public uint PortId => _client?.PortId ?? 0;

    /// <summary>Totals since start (kernel requests sent, refused, reinstalled, resyncs, swept).</summary>
    public FibCounters Counters => new(
        Interlocked.Read(ref _requestCount), Interlocked.Read(ref _refusedCount), Interlocked.Read(ref _reinstalledCount),
        Interlocked.Read(ref _resyncCount), Interlocked.Read(ref _sweptCount));

    /// <summary>Failures, reinstalls, sweeps and resyncs, for logging and metrics (oldest dropped
    /// if nobody reads).</summary>
    public ChannelReader<FibEvent> Events => _events.Reader;

    /// <summary>
    /// Opens the sockets, subscribes to route and link notifications, reads our routes already
    /// in the kernel (they become "stale": reused if desired again, swept after the grace time)
    /// and starts the owner task.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("FibProgrammer already started");
        }

        // Subscribe before reading the kernel state so that no change falls in between.
        _listenSocket = NetlinkSocket.Open(_options.NetNamespace,
            [RtnlGroup.Ipv4Route, RtnlGroup.Ipv6Route, RtnlGroup.Link, RtnlGroup.Ipv4IfAddr, RtnlGroup.Ipv6IfAddr, RtnlGroup.Nexthop]);
        _client = NetlinkRouteClient.Open(_options.NetNamespace);
        _client.UseNexthopObjects = _options.UseNexthopObjects;
        _client.NexthopProtocol = _options.Protocol;
        AttachListenFilter(_listenSocket, _client.PortId, (byte)_options.Protocol);
        Dictionary<int, bool> linkUp = (await _client.DumpLinksAsync(cancellationToken).ConfigureAwait(false))
            .ToDictionary(l => l.IfIndex, l => l.IsUp);
        await LoadInitialStateAsync(cancellationToken).ConfigureAwait(false);
        _listenTask = ListenAsync(_listenSocket, linkUp, _stopping.Token);
        _ownerTask = RunAsync();
    }

    /// <summary>
    /// Applies desired-state changes: install/replace or remove a route per (table, prefix).
    /// Changes queued together are merged (the last one per prefix wins) and sent as batches.
    /// Completes when the kernel has answered; the result lists the routes it refused.
    /// Our protocol id replaces the routes' protocol.
    /// </summary>
    public Task<FibApplyResult> ApplyAsync(IReadOnlyList<RouteChange> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var command = new ApplyCommand(changes);
        if (!_commands.Writer.TryWrite(command))
        {
            throw new InvalidOperationException("FibProgrammer is stopped");
        }

        return command.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Ends the grace time now: removes the stale routes that were not desired again
    /// (e.g. once every peer has sent End-of-RIB). Returns how many were removed.</summary>
    public Task<int> SweepStaleAsync()
    {
        var command = new SweepCommand();
        return _commands.Writer.TryWrite(command) ? command.Completion.Task : Task.FromResult(0);
    }

    /// <summary>Our routes and their state (desired ones and stale ones), for `show ip route`.</summary>
    public Task<IReadOnlyList<FibEntry>> GetRoutesAsync(CancellationToken cancellationToken = default)
    {
        var command = new QueryCommand();
        if (!_commands.Writer.TryWrite(command))
        {
            throw new InvalidOperationException("FibProgrammer is stopped");
        }

        return command.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Re-reads our routes from the kernel and repairs differences.</summary>
    public void RequestResync(string reason) => _commands.Writer.TryWrite(new ResyncCommand(reason));

    /// <summary>Stops: pending changes are applied, then our routes are kept in the kernel
    /// (default) or removed (<see cref="FibOptions.RemoveRoutesOnStop"/>).</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _ = _commands.Writer.TryComplete();
        if (_ownerTask is not null)
        {
            await _ownerTask.ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_listenTask is not null)
        {
            await _listenTask.ConfigureAwait(false);
        }

        _graceTimer?.Dispose();
        _pruneTimer?.Dispose();
        _retryTimer?.Dispose();
        _listenSocket?.Dispose();
        _client?.Dispose();
        _stopping.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var applies = new List<ApplyCommand>();
        var deleted = new List<KernelRoute>();
        while (await _commands.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Drain what is queued; consecutive change sets (and consecutive deletion reports)
            // are merged into one batch, order between kinds is kept.
            while (_commands.Reader.TryRead(out Command? command))
            {
                if (command is ApplyCommand apply)
                {
                    await FlushDeletedAsync(deleted).ConfigureAwait(false);
                    applies.Add(apply);
                    continue;
                }

                await FlushAsync(applies).ConfigureAwait(false);
                if (command is KernelDeletedCommand d)
                {
                    deleted.AddRange(d.Routes);
                    continue;
                }

                await FlushDeletedAsync(deleted).ConfigureAwait(false);
                await HandleAsync(command).ConfigureAwait(false);
            }

            await FlushAsync(applies).ConfigureAwait(false);
            await FlushDeletedAsync(deleted).ConfigureAwait(false);
            if (_resyncRequested)
            {
                _resyncRequested = false;
                await GuardAsync(() => ResyncAsync(_resyncReason), "resync").ConfigureAwait(false);
            }

            ArmRetry();
        }

        await GuardAsync(ShutdownAsync, "stop").ConfigureAwait(false);
    }

    private async Task FlushDeletedAsync(List<KernelRoute> deleted)
    {
        if (deleted.Count > 0)
        {
            await GuardAsync(() => ReinstallAsync(deleted), "reinstall").ConfigureAwait(false);
            deleted.Clear();
        }
    }

    private async Task FlushAsync(List<ApplyCommand> applies)
    {
        if (applies.Count == 0)
        {
            return;
        }

        try
        {
            await ProcessAppliesAsync(applies).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or NetlinkException or InvalidOperationException)
        {
            _logger.LogError(ex, "FIB: applying {Count} change sets failed", applies.Count);
            foreach (ApplyCommand a in applies)
            {
                _ = a.Completion.TrySetException(ex);
            }
        }

        applies.Clear();
    }

    private async Task HandleAsync(Command command)
    {
        switch (command)
        {
            case ResyncCommand resync:
                _resyncRequested = true;
                _resyncReason = resync.Reason;
                break;
            case RetryCommand:
                if (_failed.Count > 0)
                {
                    _retryTimer?.Dispose();
                    _retryTimer = null;
                    await GuardAsync(RetryFailedAsync, "retry").ConfigureAwait(false);
                }

                break;
            case GraceExpiredCommand:
                await GuardAsync(async () => _ = await SweepAsync().ConfigureAwait(false), "sweep").ConfigureAwait(false);
                break;
            case SweepCommand sweep:
                try
                {
                    sweep.Completion.TrySetResult(await SweepAsync().ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is IOException or TimeoutException or NetlinkException)
                {
                    sweep.Completion.TrySetException(ex);
                }

                break;
            case QueryCommand query:
                query.Completion.TrySetResult(Snapshot());
                break;
            case PruneNexthopsCommand:
                _pruneTimer?.Dispose();
                _pruneTimer = null;
                await GuardAsync(PruneUnusedNexthopsAsync, "nexthop object cleanup").ConfigureAwait(false);
                break;
        }
    }

    private async Task GuardAsync(Func<Task> action, string what)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or NetlinkException or InvalidOperationException)
        {
            _logger.LogError(ex, "FIB: {What} failed", what);
        }
    }

    private List<FibEntry> Snapshot()
    {
        var list = new List<FibEntry>(_desired.Count + _stale.Count);
        foreach ((RouteKey key, KernelRoute desired) in _desired)
        {
            RouteError? error = _failed.GetValueOrDefault(key);
            FibEntryState state = _installed.TryGetValue(key, out KernelRoute? installed) && installed.SameForwarding(desired)
                ? FibEntryState.Installed
                : error is not null ? FibEntryState.Failed : FibEntryState.Pending;
            list.Add(new FibEntry(state == FibEntryState.Installed ? installed! : desired, state, error));
        }

        foreach (RouteKey key in _stale)
        {
            if (!_desired.ContainsKey(key) && _installed.TryGetValue(key, out KernelRoute? route))
            {
                list.Add(new FibEntry(route, FibEntryState.Stale, null));
            }
        }

        return list;
    }

    private void Publish(FibEvent e)
    {
        switch (e)
        {
            case FibRouteFailed: Interlocked.Increment(ref _refusedCount); break;
            case FibRouteReinstalled: Interlocked.Increment(ref _reinstalledCount); break;
            case FibResynced: Interlocked.Increment(ref _resyncCount); break;
            case FibStaleSwept swept: Interlocked.Add(ref _sweptCount, swept.Count); break;
        }

        _ = _events.Writer.TryWrite(e);
    }

    /// <summary>Routes are ours per (table, prefix): one desired route each.</summary>
    internal readonly record struct RouteKey(int Table, IPNetwork Prefix)
    {
        public static RouteKey Of(KernelRoute route) => new(route.Table, route.Prefix);
    }

    private abstract class Command;

    private sealed class ApplyCommand(IReadOnlyList<RouteChange> changes) : Command
    {
        public IReadOnlyList<RouteChange> Changes { get; } = changes;
        public TaskCompletionSource<FibApplyResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class KernelDeletedCommand(List<KernelRoute> routes) : Command
    {
        public List<KernelRoute> Routes { get; } = routes;
    }

    private sealed class ResyncCommand(string reason) : Command
    {
        public string Reason { get; } = reason;
    }

    private sealed class GraceExpiredCommand : Command;

    private sealed class RetryCommand : Command;

    private sealed class PruneNexthopsCommand : Command;

    private sealed class SweepCommand : Command
    {
        public TaskCompletionSource<int> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class QueryCommand : Command
    {
        public TaskCompletionSource<IReadOnlyList<FibEntry>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
