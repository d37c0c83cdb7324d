using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary>
/// The single writer of the RIBs (ARCHITECTURE.md "Concurrency"): one owned task reads a bounded
/// channel of <see cref="RibCommand"/>s. Per wake-up it drains every queued command (imports mark
/// prefixes dirty), then runs the decision process for the dirty prefixes, then exports: update
/// groups compute and encode their changes once and hand the same bytes to every member, and the FIB
/// sink gets the best-route changes. Queries run on the actor and return immutable snapshots.
/// </summary>
public sealed partial class RibActor : IAsyncDisposable
{
    private readonly Channel<RibCommand> _channel;
    // Decoded UPDATE batches waiting for the actor (see PostUpdateAsync): a session decodes faster than
    // the RIB imports, and without a bound a full table would sit decoded in the queue (its attribute
    // objects and prefix lists) before the first of it is exported.
    private readonly SemaphoreSlim _updateCredits = new(MaxQueuedUpdateBatches, MaxQueuedUpdateBatches);
    private readonly IUpdateEncoder _encoder;
    private readonly IFibSink? _fib;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly AttributeInterner _interner = new();
    private readonly DestinationTable _v4 = new();
    private readonly DestinationTable _v6 = new();
    private readonly Dictionary<int, PeerState> _peers = [];
    private readonly PeerState _self = new(null, PeerKind.Local);
    private readonly List<Destination> _dirty = [];
    private readonly List<FibRouteChange> _fibChanges = [];
    private readonly Dictionary<UpdateGroupKey, UpdateGroup> _groups = [];
    private readonly UpdateBuffers _encoded = new();
    private RibOptions _options;
    private Task? _loop;
    private int _nextGroupId = 1;
    private long _version;
    private bool _tableFullLogged;

    public RibActor(RibOptions options, IUpdateEncoder encoder, IFibSink? fib = null, TimeProvider? time = null, ILogger? logger = null, int capacity = 4096)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(encoder);
        _options = options;
        _encoder = encoder;
        _fib = fib;
        _time = time ?? TimeProvider.System;
        _log = logger ?? NullLogger.Instance;
        _aggregates = [.. options.Aggregates.Select(c => new AggregateState(c))];
        _channel = Channel.CreateBounded<RibCommand>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        InitDeferral();
    }

    public RibOptions Options => _options;

    /// <summary>Distinct interned attribute sets (memory figure).</summary>
    internal AttributeInterner Interner => _interner;

    /// <summary>Starts the owned loop task. Call once.</summary>
    public void Start()
    {
        if (_loop is not null) throw new InvalidOperationException("already started");
        StartDeferralTimer();
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues a command, waiting while the channel is full (back-pressure to the session).</summary>
    public ValueTask PostAsync(RibCommand command, CancellationToken cancellationToken = default) =>
        _channel.Writer.WriteAsync(command, cancellationToken);

    /// <summary>Update batches that may wait in the queue at once (a batch is one socket read or at most a few thousand prefixes).</summary>
    public const int MaxQueuedUpdateBatches = 16;

    /// <summary>Prefixes imported per wake-up before decision and export run, so that a full table
    /// streams out (to peers and to the kernel) while it streams in, the two cores pipelining, instead
    /// of leaving in large pieces. 4096 rather than 32768: the first routes reach the kernel ~0.2 s
    /// sooner for a 100k table (bench/kernel/fib-install.sh), and 1M end to end was no slower
    /// (2.50 s vs 2.78 s, 383 vs 428 MiB peak, bench/daemon/run.sh --scenarios 1M, one run each).</summary>
    private const int PrefixesPerWakeUp = 4096;

    /// <summary>
    /// Queues decoded UPDATEs from a session, waiting while <see cref="MaxQueuedUpdateBatches"/> are already
    /// queued: back-pressure reaches the session and, through its unread socket, the peer's TCP window.
    /// </summary>
    public async ValueTask PostUpdateAsync(int peerId, InboundBatch batch, CancellationToken cancellationToken = default)
    {
        await _updateCredits.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _channel.Writer.WriteAsync(new RibCommand.Update(peerId, batch) { Credited = true }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _updateCredits.Release();
            throw;
        }
    }

    /// <summary>Queues a command if there is room.</summary>
    public bool TryPost(RibCommand command) => _channel.Writer.TryWrite(command);

    /// <summary>Completes when the loop has ended (after <see cref="StopAsync"/>).</summary>
    public Task Completion => _loop ?? Task.CompletedTask;

    /// <summary>Stops accepting commands, processes what is queued, and awaits the loop.</summary>
    public async Task StopAsync()
    {
        _channel.Writer.TryComplete();
        if (_loop is not null) await _loop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _updateCredits.Dispose();
    }

    /// <summary>Runs <paramref name="query"/> on the actor after everything queued before it; the result must be an immutable snapshot.</summary>
    public Task<T> QueryAsync<T>(Func<RibActor, T> query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cmd = new RibCommand.Query(actor =>
        {
            try { tcs.TrySetResult(query(actor)); }
            catch (Exception ex) when (ex is not OutOfMemoryException) { tcs.TrySetException(ex); }
        });
        var write = PostAsync(cmd, cancellationToken);
        return write.IsCompletedSuccessfully ? tcs.Task : AwaitWrite(write, tcs.Task);

        static async Task<T> AwaitWrite(ValueTask w, Task<T> t)
        {
            await w.ConfigureAwait(false);
            return await t.ConfigureAwait(false);
        }
    }

    /// <summary>Completes once every command posted before it has been processed and exported.</summary>
    public Task BarrierAsync(CancellationToken cancellationToken = default) => QueryAsync(_ => true, cancellationToken);

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        var queries = new List<RibCommand.Query>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Drain a bounded number of commands per wake-up so decision/export run regularly.
            int n = 0, prefixes = 0;
            while (n < 4096 && prefixes < PrefixesPerWakeUp && reader.TryRead(out var cmd))
            {
                n++;
                if (cmd is RibCommand.Query q) { queries.Add(q); continue; }
                try { Handle(cmd); }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Log.CommandFailed(_log, cmd.GetType().Name, ex);
                }
                finally
                {
                    if (cmd is RibCommand.Update u)
                    {
                        prefixes += u.Batch.PrefixCount;
                        if (u.Credited)
                        {
                            _updateCredits.Release();
                            u.Batch.Return(); // posted by a session with PostUpdateAsync: ours now
                        }
                    }
                }
            }
            RunDecisionAndExport();
            // Queries answer after the commands queued before them have been decided and exported.
            foreach (var q in queries) q.Run(this);
            queries.Clear();
        }
    }

    /// <summary>
    /// Processes commands synchronously on the caller's thread, then decides and exports. For tests and
    /// for tools that own the actor exclusively (never while <see cref="Start"/>ed).
    /// </summary>
    public void Execute(params ReadOnlySpan<RibCommand> commands)
    {
        if (_loop is not null) throw new InvalidOperationException("the actor loop is running; post commands instead");
        foreach (var cmd in commands)
        {
            if (cmd is RibCommand.Query q) q.Run(this);
            else Handle(cmd);
        }
        RunDecisionAndExport();
    }

    /// <summary>Runs a query synchronously (only when not <see cref="Start"/>ed).</summary>
    public T Read<T>(Func<RibActor, T> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (_loop is not null) throw new InvalidOperationException("the actor loop is running; use QueryAsync");
        return query(this);
    }

    private void Handle(RibCommand command)
    {
        switch (command)
        {
            case RibCommand.Update u: HandleUpdate(u.PeerId, u.Batch); break;
            case RibCommand.PeerUp p: HandlePeerUp(p.Peer); break;
            case RibCommand.PeerDown d: HandlePeerDown(d.PeerId, d.KeepStale); break;
            case RibCommand.PeerChanged c: HandlePeerChanged(c.Peer); break;
            case RibCommand.EndOfRib e: HandleEndOfRib(e.PeerId, e.Family); break;
            case RibCommand.RouteRefresh r: HandleRouteRefresh(r.PeerId, r.Family); break;
            case RibCommand.ClearSoft c: HandleClearSoft(c.PeerId, c.In, c.Out); break;
            case RibCommand.AddLocalRoute a: HandleAddLocal(a.Route); break;
            case RibCommand.RemoveLocalRoute r: HandleRemoveLocal(r.Prefix, r.Source); break;
            case RibCommand.NexthopChanged n: HandleNexthop(n.NextHop, n.Reachable, n.Metric); break;
            case RibCommand.OptionsChanged o: HandleOptionsChanged(o.Options); break;
            case RibCommand.FlushGroups: FlushAllGroups(force: true); break;
            case RibCommand.GrTimerFired t: HandleGrTimer(t); break;
            default: throw new NotSupportedException(command.GetType().Name);
        }
    }

    private DestinationTable Table(AddressFamily family) => family.Afi == Afi.Ipv6 ? _v6 : _v4;
    private DestinationTable Table(Prefix prefix) => prefix.IsIpv6 ? _v6 : _v4;

    private void MarkDirty(Destination d)
    {
        if (d.Dirty) return;
        d.Dirty = true;
        _dirty.Add(d);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "RIB command {Command} failed")]
        public static partial void CommandFailed(ILogger logger, string command, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "peer {Peer}: {Count} prefixes exceed maximum-prefix {Limit}")]
        public static partial void MaxPrefix(ILogger logger, string peer, int count, int limit);

        [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer}: eBGP without {Direction} policy, nothing {Verb} (RFC 8212; 'no bgp ebgp-requires-policy' to allow)")]
        public static partial void Rfc8212(ILogger logger, string peer, string direction, string verb);

        [LoggerMessage(Level = LogLevel.Warning, Message = "peer {Peer}: path id {PathId} for {Prefix} ignored: the prefix already has {Limit} paths")]
        public static partial void TooManyPaths(ILogger logger, string peer, uint pathId, string prefix, int limit);

        [LoggerMessage(Level = LogLevel.Error, Message = "peer {Peer}: {Prefix} and further new prefixes of its family ignored: the table holds its maximum of {Limit} prefixes (configure maximum-prefix)")]
        public static partial void TableFull(ILogger logger, string peer, string prefix, int limit);

        [LoggerMessage(Level = LogLevel.Debug, Message = "peer {Peer}: unknown peer id in {Command}")]
        public static partial void UnknownPeer(ILogger logger, int peer, string command);
    }
}
