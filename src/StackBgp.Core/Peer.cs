using System.Collections.Immutable;
using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StackBgp.Config;
using StackBgp.Routing;
using StackBgp.Session;
using StackBgp.Wire;

namespace StackBgp.Core;

/// <summary>
/// One configured neighbor: its <see cref="BgpSession"/>, the glue from the session to the RIB
/// (<see cref="ISessionHandler"/>) and from the RIB back to the session (<see cref="IPeerSender"/>),
/// and what `show bgp neighbors` reports about it.
/// </summary>
internal sealed partial class Peer : ISessionHandler, IPeerSender, IAsyncDisposable
{
    // A batch goes to the RIB when it is this big, at End-of-RIB, and when the socket has nothing more to read.
    private const int BatchPrefixes = 4096;
    private const int BatchMessages = 512;

    private readonly Router _router;
    private readonly ILogger _log;
    private readonly Channel<ReadOnlyMemory<byte>> _outbound = Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _pump;
    private InboundBatch _batch = new(4, 16);
    private NegotiatedSession? _negotiated;

    public Peer(Router router, int id, EffectiveNeighbor config, IPAddress address, ILogger log)
    {
        _router = router;
        Id = id;
        Config = config;
        Address = address;
        _log = log;
        _pump = PumpAsync();
    }

    public int Id { get; }
    public EffectiveNeighbor Config { get; private set; }
    public IPAddress Address { get; }
    public BgpSession? Session { get; set; }
    public PeerTransportOptions? Transport { get; set; }

    /// <summary>The descriptor the RIB knows while Established (null otherwise).</summary>
    public PeerDescriptor? Descriptor { get; private set; }

    // What `show bgp neighbors` tells about the history of the session (written on the session task).
    public DateTimeOffset? EstablishedSince { get; private set; }
    public DateTimeOffset? LastChange { get; private set; }
    public int EstablishedCount { get; private set; }
    public int DroppedCount { get; private set; }
    public string? LastResetReason { get; private set; }
    public long UpdatesReceived { get; private set; }
    public long MessagesQueued { get; private set; }

    /// <summary>
    /// Set by <see cref="Router.StopAsync(RouterStopMode, CancellationToken)"/> before it closes this session for our
    /// planned restart: the drop is then not reported to the RIB.
    /// </summary>
    public bool StoppingForRestart { get; set; }

    /// <summary>True while BFD says the path is down: the session stays down until BFD is Up again (issue 6 §3).</summary>
    public bool HeldDownByBfd { get; set; }

    public BgpState State => Session?.State ?? BgpState.Idle;

    // ── ISessionHandler (called on the session's owner task, one call at a time) ──

    public async ValueTask OnEstablishedAsync(BgpSession session, NegotiatedSession negotiated)
    {
        var now = _router.Time.GetUtcNow();
        EstablishedSince = now;
        LastChange = now;
        EstablishedCount++;
        _negotiated = negotiated;
        Descriptor = _router.BuildDescriptor(this, negotiated);
        _router.Log.PeerUp(Config.Id, negotiated.PeerAs, negotiated.PeerHostName ?? "-", string.Join(", ", negotiated.Families));
        await _router.Rib.PostAsync(new RibCommand.PeerUp(Descriptor)).ConfigureAwait(false);
    }

    public async ValueTask OnUpdateAsync(BgpSession session, DecodedUpdate update)
    {
        UpdatesReceived++;
        _batch.Add(update);
        if (update.IsEndOfRib)
        {
            await FlushAsync().ConfigureAwait(false);
            await _router.Rib.PostAsync(new RibCommand.EndOfRib(Id, update.EndOfRibFamily)).ConfigureAwait(false);
            return;
        }
        if (_batch.PrefixCount >= BatchPrefixes || _batch.MessageCount >= BatchMessages)
            await FlushAsync().ConfigureAwait(false);
    }

    /// <summary>The receive side has drained what the socket delivered: hand the partial batch over.</summary>
    public ValueTask OnReceiveIdleAsync(BgpSession session) => FlushAsync();

    public async ValueTask OnEndOfRibAsync(BgpSession session, AddressFamily family)
    {
        await FlushAsync().ConfigureAwait(false);
        await _router.Rib.PostAsync(new RibCommand.EndOfRib(Id, family)).ConfigureAwait(false);
    }

    public async ValueTask OnRouteRefreshAsync(BgpSession session, AddressFamily family, RouteRefreshSubtype subtype)
    {
        // BoRR/EoRR from the peer only bracket its own re-advertisement (RFC 7313 §4); a normal request asks us to re-send.
        if (subtype == RouteRefreshSubtype.Normal)
            await _router.Rib.PostAsync(new RibCommand.RouteRefresh(Id, family)).ConfigureAwait(false);
    }

    public async ValueTask OnDownAsync(BgpSession session, SessionDownReason reason)
    {
        bool wasUp = Descriptor is not null;
        LastChange = _router.Time.GetUtcNow();
        LastResetReason = reason.Text;
        _batch.Clear();
        if (!wasUp) return;
        DroppedCount++;
        EstablishedSince = null;
        // The session has already unpublished its negotiation when it reports the drop: use the one it was Established with.
        var negotiated = _negotiated ?? session.Negotiated;
        _negotiated = null;
        Descriptor = null;
        if (StoppingForRestart)
        {
            // Our own planned restart (RFC 4724 §4.1): as after a crash, the routes learned from this peer stay in
            // the RIB until it stops, and so in the kernel: they are the forwarding state the next start announces
            // with the F bit and sweeps after convergence.
            _router.Log.PeerDown(Config.Id, reason.Text, "routes kept in the kernel (our graceful restart)");
        }
        else
        {
            // RFC 4724 §4.2 / RFC 8538: as helper, keep the peer's routes (stale) when it restarts without a
            // NOTIFICATION, or with one (or a hold-timer expiry) while both sides announced the N bit, except a Hard Reset.
            bool keepStale = Router.KeepsRoutesStale(Config, negotiated, reason);
            _router.Log.PeerDown(Config.Id, reason.Text, keepStale ? "routes kept as stale (graceful restart)" : "routes withdrawn");
            await _router.Rib.PostAsync(new RibCommand.PeerDown(Id, keepStale)).ConfigureAwait(false);
        }
        while (_outbound.Reader.TryRead(out _))
        {
        }
    }

    private async ValueTask FlushAsync()
    {
        if (_batch.MessageCount == 0) return;
        var full = _batch;
        // Size the next batch like the last one: a full table arrives in big batches, a trickle of
        // changes in small ones (each batch lives until the RIB has applied it).
        _batch = InboundBatch.Rent(Math.Clamp(full.MessageCount, 4, BatchMessages), Math.Clamp(full.PrefixCount, 16, BatchPrefixes));
        await _router.Rib.PostUpdateAsync(Id, full).ConfigureAwait(false);
    }

    // ── IPeerSender (called on the RIB actor: never blocks) ──

    public void Send(ReadOnlyMemory<byte> message) => Send(message, 1);

    public void Send(ReadOnlyMemory<byte> messages, int count)
    {
        MessagesQueued += count;
        _outbound.Writer.TryWrite(messages);
    }

    public void Close(CeaseSubcode subcode, string reason)
    {
        _log.LogWarning("neighbor {Neighbor}: closing session, {Reason}", Config.Id, reason);
        if (Session is not { } s) return;
        _ = s.StopAsync(subcode, reason);
        // maximum-prefix N restart M: the stopped session starts again after M (FRR's behaviour); without
        // restart it stays down until `clear bgp`.
        if (subcode == CeaseSubcode.MaximumPrefixesReached && Descriptor?.MaximumPrefix.Restart is { } after && after > TimeSpan.Zero)
        {
            _log.LogWarning("neighbor {Neighbor}: maximum-prefix restart in {Minutes} min", Config.Id, after.TotalMinutes);
            var timer = _router.Time.CreateTimer(_ =>
            {
                if (!Config.Shutdown && !HeldDownByBfd && Session is { State: BgpState.Idle } again) again.Start();
            }, null, after, Timeout.InfiniteTimeSpan);
            Interlocked.Exchange(ref _maxPrefixRestart, timer)?.Dispose();
        }
    }

    private ITimer? _maxPrefixRestart;

    /// <summary>Moves the RIB's encoded UPDATEs into the session's bounded send queue, in order.</summary>
    private async Task PumpAsync()
    {
        await Task.Yield();
        var reader = _outbound.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                var s = Session;
                if (s is not null && s.TryEnqueueUpdates(message)) continue;
                if (s is null || s.State != BgpState.Established || !await s.EnqueueUpdatesAsync(message).ConfigureAwait(false))
                    SharedBuffer.ReleaseIfShared(message); // dropped: the session went down, the RIB knows

            }
        }
    }

    public void UpdateConfig(EffectiveNeighbor config) => Config = config;

    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _maxPrefixRestart, null)?.Dispose();
        _outbound.Writer.TryComplete();
        if (Session is { } s) await s.DisposeAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
    }

    public static ImmutableArray<AddressFamily> Families(EffectiveNeighbor n) => [.. n.ActiveFamilies];
}
