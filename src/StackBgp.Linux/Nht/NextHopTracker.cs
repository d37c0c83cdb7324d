using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackBgp.Linux.Links;
using StackBgp.Linux.Netlink;
using StackBgp.Linux.Routes;

namespace StackBgp.Linux.Nht;

public sealed class NextHopTrackerOptions
{
    /// <summary>`ip nht resolve-via-default`: a next hop covered only by the default route
    /// counts as reachable. Off by default, as in zebra.</summary>
    public bool ResolveViaDefault { get; init; }

    public string? NetNamespace { get; init; }
}

/// <summary>
/// How a next hop resolves through the kernel FIB: reachable or not, the outgoing interface and
/// the metric of the route that resolves it (the IGP metric the BGP decision process uses),
/// that route itself, and why it is unreachable when it is.
/// </summary>
public sealed record NextHopResolution(IPAddress NextHop, bool Reachable, int IfIndex, string? IfName, int Metric, KernelRoute? ResolvedBy, string? Reason)
{
    internal bool SameOutcome(NextHopResolution? other) =>
        other is not null && Reachable == other.Reachable && IfIndex == other.IfIndex && Metric == other.Metric
        && Reason == other.Reason
        && (ResolvedBy is null ? other.ResolvedBy is null : ResolvedBy.SameForwarding(other.ResolvedBy));
}

/// <summary>
/// Next-hop tracking: resolves next hops with FIB lookups (RTM_GETROUTE with RTM_F_FIB_MATCH,
/// `ip route get fibmatch`), keeps the tracked ones current by listening to route and link
/// notifications, and reports every change of outcome on <see cref="Changes"/>. A route
/// change re-evaluates only the tracked next hops its prefix covers; a link change or a lost
/// notification re-evaluates all. One owner task; lookups are pipelined in one batch.
/// </summary>
public sealed partial class NextHopTracker : INextHopTracker
{
    private readonly NextHopTrackerOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<Command> _commands = Channel.CreateUnbounded<Command>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<NextHopResolution> _changes = Channel.CreateUnbounded<NextHopResolution>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;
    private readonly Dictionary<IPAddress, NextHopResolution?> _tracked = [];
    // What the listener lets through: route changes covering these addresses (owner writes, listener reads).
    private volatile WatchSet _watch = WatchSet.Empty;
    private uint _ignoredPort;
    private bool _resolveViaDefault;
    private NetlinkRouteClient? _client;
    private NetlinkSocket? _socket;
    private Task? _ownerTask;
    private Task? _listenTask;

    public NextHopTracker(NextHopTrackerOptions? options = null, ILogger<NextHopTracker>? logger = null)
    {
        _options = options ?? new NextHopTrackerOptions();
        _resolveViaDefault = _options.ResolveViaDefault;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>A new outcome for a tracked next hop (only when it differs from the last one).</summary>
    public ChannelReader<NextHopResolution> Changes => _changes.Reader;

    /// <summary>
    /// Route notifications caused by the netlink port <paramref name="portId"/> (our own FIB programmer) are
    /// dropped in the kernel before they reach this tracker's socket: installing a full table would otherwise
    /// wake it 100,000 times. Whoever owns that port reports its changes with <see cref="RoutesChanged"/>
    /// once the kernel has them. Call before <see cref="StartAsync"/>.
    /// </summary>
    public void IgnoreRouteNotificationsFrom(uint portId) => _ignoredPort = portId;

    /// <summary>Routes changed in the kernel (already applied): re-evaluates the tracked next hops they cover.</summary>
    public void RoutesChanged(IEnumerable<IPNetwork> prefixes)
    {
        WatchSet watch = _watch;
        List<IPNetwork>? covering = null;
        foreach (IPNetwork p in prefixes)
        {
            if (watch.Covers(p))
            {
                (covering ??= []).Add(p);
            }
        }

        if (covering is not null)
        {
            _ = _commands.Writer.TryWrite(new RoutesChangedCommand(covering));
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _socket = NetlinkSocket.Open(_options.NetNamespace, [RtnlGroup.Ipv4Route, RtnlGroup.Ipv6Route, RtnlGroup.Link]);
        if (_ignoredPort != 0)
        {
            AttachIgnoreFilter(_socket, _ignoredPort);
        }

        _client = NetlinkRouteClient.Open(_options.NetNamespace);
        _ = await _client.DumpLinksAsync(cancellationToken).ConfigureAwait(false); // interface names
        _listenTask = ListenAsync(_stopping.Token);
        _ownerTask = RunAsync();
    }

    /// <summary>Starts tracking a next hop (an IPv6 link-local one with its interface as scope id)
    /// and returns how it resolves now.</summary>
    public Task<NextHopResolution> TrackAsync(IPAddress nextHop, CancellationToken cancellationToken = default) =>
        Send(new TrackCommand(nextHop, track: true), cancellationToken);

    /// <summary>Resolves once, without tracking.</summary>
    public Task<NextHopResolution> ResolveAsync(IPAddress nextHop, CancellationToken cancellationToken = default) =>
        Send(new TrackCommand(nextHop, track: false), cancellationToken);

    public void Untrack(IPAddress nextHop) => _commands.Writer.TryWrite(new UntrackCommand(nextHop));

    /// <summary>Changes `ip nht resolve-via-default` at run time; every tracked next hop is re-evaluated.</summary>
    public void SetResolveViaDefault(bool enabled) => _commands.Writer.TryWrite(new ResolveViaDefaultCommand(enabled));

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

        _ = _changes.Writer.TryComplete();
        _socket?.Dispose();
        _client?.Dispose();
        _stopping.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
    }

    private Task<NextHopResolution> Send(TrackCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command.NextHop);
        if (!_commands.Writer.TryWrite(command))
        {
            throw new InvalidOperationException("NextHopTracker is stopped");
        }

        return command.Completion.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var dirty = new HashSet<IPAddress>();
        var requests = new List<TrackCommand>();
        while (await _commands.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            bool all = false;
            while (_commands.Reader.TryRead(out Command? command))
            {
                switch (command)
                {
                    case TrackCommand t:
                        requests.Add(t);
                        break;
                    case UntrackCommand u:
                        _ = _tracked.Remove(u.NextHop);
                        _ = dirty.Remove(u.NextHop);
                        _watch = WatchSet.Of(_tracked.Keys);
                        break;
                    case ResolveViaDefaultCommand r:
                        all |= _resolveViaDefault != r.Enabled;
                        _resolveViaDefault = r.Enabled;
                        break;
                    case RoutesChangedCommand rc:
                        MarkCovered(rc.Prefixes, dirty);
                        break;
                    case EverythingChangedCommand:
                        all = true;
                        break;
                }
            }

            try
            {
                if (all)
                {
                    dirty.UnionWith(_tracked.Keys);
                    _ = await _client!.DumpLinksAsync().ConfigureAwait(false);
                }

                await EvaluateAsync(requests, dirty).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or NetlinkException)
            {
                _logger.LogError(ex, "next-hop tracking: FIB lookups failed");
                foreach (TrackCommand t in requests)
                {
                    _ = t.Completion.TrySetException(ex);
                }
            }

            requests.Clear();
            dirty.Clear();
        }
    }

    private void MarkCovered(List<IPNetwork> prefixes, HashSet<IPAddress> dirty)
    {
        foreach (IPNetwork p in prefixes)
        {
            foreach (IPAddress nh in _tracked.Keys)
            {
                if (p.BaseAddress.AddressFamily == nh.AddressFamily && p.Contains(nh))
                {
                    _ = dirty.Add(nh);
                }
            }
        }
    }

    private async Task EvaluateAsync(List<TrackCommand> requests, HashSet<IPAddress> dirty)
    {
        var addresses = new List<IPAddress>(dirty);
        foreach (TrackCommand t in requests)
        {
            addresses.Add(t.NextHop);
        }

        if (addresses.Count == 0)
        {
            return;
        }

        if (requests.Count > 0)
        {
            // Watched before the lookup: a change after it is then always noticed.
            _watch = WatchSet.Of(_tracked.Keys.Concat(requests.Select(r => r.NextHop)));
        }

        IReadOnlyList<RouteLookupResult> results = await _client!.LookupAsync(addresses.Select(a => (a, 0)).ToList()).ConfigureAwait(false);
        var byAddress = new Dictionary<IPAddress, NextHopResolution>();
        for (int i = 0; i < addresses.Count; i++)
        {
            byAddress[addresses[i]] = Judge(addresses[i], results[i], _resolveViaDefault, _client.IfName);
        }

        foreach (IPAddress nh in dirty)
        {
            if (_tracked.TryGetValue(nh, out NextHopResolution? before) && byAddress.TryGetValue(nh, out NextHopResolution? now) && !now.SameOutcome(before))
            {
                _tracked[nh] = now;
                _ = _changes.Writer.TryWrite(now);
            }
        }

        foreach (TrackCommand t in requests)
        {
            NextHopResolution now = byAddress[t.NextHop];
            if (t.Track)
            {
                _tracked[t.NextHop] = now;
            }

            _ = t.Completion.TrySetResult(now);
        }

        if (requests.Count > 0)
        {
            _watch = WatchSet.Of(_tracked.Keys);
        }
    }

    /// <summary>
    /// zebra's rules, on the FIB entry the kernel would use: no route, or a route that is not
    /// unicast (blackhole, unreachable, prohibit, local), means unreachable; the default route
    /// resolves only with resolve-via-default; every next hop dead or link-down means unreachable.
    /// </summary>
    internal static NextHopResolution Judge(IPAddress nextHop, RouteLookupResult lookup, bool resolveViaDefault, Func<int, string?>? ifName)
    {
        KernelRoute? r = lookup.Route;
        if (r is null)
        {
            // The kernel answers a lookup that ends on a reject route with that route's error.
            string reason = lookup.ErrorNumber switch
            {
                Errno.EINVAL => "resolves to a blackhole route (EINVAL)",
                Errno.EHOSTUNREACH => "resolves to an unreachable route (EHOSTUNREACH)",
                Errno.EACCES => "resolves to a prohibit route (EACCES)",
                _ => "no route (" + lookup.ErrorName + ")",
            };
            return new NextHopResolution(nextHop, false, 0, null, 0, null, reason);
        }

        if (r.Type != KernelRouteType.Unicast)
        {
            return new NextHopResolution(nextHop, false, 0, null, r.Metric, r, "resolves to a " + r.Type.ToString().ToLowerInvariant() + " route " + r.Prefix);
        }

        if (r.Prefix.PrefixLength == 0 && !resolveViaDefault)
        {
            return new NextHopResolution(nextHop, false, 0, null, r.Metric, r, "only the default route covers it (resolve-via-default is off)");
        }

        KernelNextHop? usable = r.NextHops.FirstOrDefault(n => n.IsUsable);
        if (usable is null)
        {
            return new NextHopResolution(nextHop, false, 0, null, r.Metric, r, "every next hop of " + r.Prefix + " is down");
        }

        return new NextHopResolution(nextHop, true, usable.IfIndex, usable.IfName ?? ifName?.Invoke(usable.IfIndex), r.Metric, r, null);
    }

    private abstract class Command;

    private sealed class TrackCommand(IPAddress nextHop, bool track) : Command
    {
        public IPAddress NextHop { get; } = nextHop;
        public bool Track { get; } = track;
        public TaskCompletionSource<NextHopResolution> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class UntrackCommand(IPAddress nextHop) : Command
    {
        public IPAddress NextHop { get; } = nextHop;
    }

    private sealed class ResolveViaDefaultCommand(bool enabled) : Command
    {
        public bool Enabled { get; } = enabled;
    }

    private sealed class RoutesChangedCommand(List<IPNetwork> prefixes) : Command
    {
        public List<IPNetwork> Prefixes { get; } = prefixes;
    }

    private sealed class EverythingChangedCommand : Command;
}
