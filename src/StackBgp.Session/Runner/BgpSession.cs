using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackBgp.Wire;

namespace StackBgp.Session;

/// <summary>
/// One BGP peer: a single owner task runs the FSM (<see cref="BgpFsm"/>) and carries out its
/// actions over an <see cref="IBgpConnection"/>, reads and decodes messages without copying the
/// receive buffer, and reports to an <see cref="ISessionHandler"/>. Everything from outside
/// (admin, timers, inbound connections, connect results) arrives through one inbox, so the
/// session state has a single writer and no locks.
/// </summary>
public sealed partial class BgpSession : IAsyncDisposable
{
    private static readonly TimeSpan CloseFlushTimeout = TimeSpan.FromSeconds(2);

    private SessionConfig _config;
    private readonly IBgpConnector? _connector;
    private readonly ISessionHandler _handler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Input> _inbox = Channel.CreateUnbounded<Input>(new UnboundedChannelOptions { SingleReader = true });
    private readonly DecodedUpdate _decoded = new();
    // Our OPEN; replaced as a whole (config, message, bytes) by SetGracefulRestart, read on the owner task.
    private volatile LocalOpenState _local;
    private readonly List<Conn> _graveyard = [];
    private Task _owner = Task.CompletedTask;
    private int _started;

    // Owner-task state.
    private FsmState _fsm = FsmState.Initial;
    private Conn? _primary;
    private Conn? _secondary;
    private NegotiatedSession? _negotiated;
    private DecodeContext _decodeContext;
    private IdleHoldBackoff _backoff;
    private long _establishedAt;
    private TimeSpan _lastEstablishedFor;
    private bool _adminDown = true;
    // Set while a StopForRestartAsync steps the FSM: its SendNotification action is not carried out.
    private bool _silentStop;
    private SessionDownReason? _reason;
    private byte[]? _scratch;
    private int _connectGeneration;
    private CancellationTokenSource? _connectCts;
    private Task _connectTask = Task.CompletedTask;
    private volatile ConnectionWriter? _establishedWriter;
    private volatile NegotiatedSession? _publishedNegotiated;
    private volatile int _publishedState;

    /// <param name="config">The peer and what we offer.</param>
    /// <param name="connector">Active open; null for a passive-only peer.</param>
    /// <param name="handler">Receives Established/UPDATE/End-of-RIB/ROUTE-REFRESH/Down.</param>
    /// <param name="timeProvider">Time for every timer (FakeTimeProvider in tests).</param>
    public BgpSession(SessionConfig config, IBgpConnector? connector, ISessionHandler handler, TimeProvider? timeProvider = null, ILogger<BgpSession>? logger = null)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _connector = connector;
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _backoff = config.IdleHold;
        _local = LocalOpenState.Build(config);
        _timers = new ITimer[TimerCount];
        _deadlines = new long[TimerCount];
        for (int i = 0; i < TimerCount; i++)
        {
            var kind = (TimerKind)i;
            _timers[i] = _time.CreateTimer(static s => ((TimerState)s!).Fire(), new TimerState(this, kind), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public SessionConfig Config => _config;
    public IPAddress PeerAddress => _config.PeerAddress;

    /// <summary>The FSM state (as last published by the owner task).</summary>
    public BgpState State => (BgpState)_publishedState;

    /// <summary>What was negotiated, while Established; null otherwise.</summary>
    public NegotiatedSession? Negotiated => _publishedNegotiated;

    /// <summary>Messages received and handled on the session's connection (all types).</summary>
    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);
    private long _messagesReceived;

    /// <summary>UPDATE messages received (including End-of-RIB markers).</summary>
    public long UpdatesReceived => Interlocked.Read(ref _updatesReceived);
    private long _updatesReceived;

    /// <summary>The OPEN we send.</summary>
    public OpenMessage LocalOpen => _local.Open;

    /// <summary>
    /// Replaces the graceful-restart capability sent in our next OPENs (e.g. the R bit cleared once a restarting
    /// instance has converged, RFC 4724 §4.1). The current session, if any, is not affected.
    /// </summary>
    public void SetGracefulRestart(GracefulRestartCapability? capability)
    {
        var config = _local.Config with { GracefulRestart = capability };
        _local = LocalOpenState.Build(config);
        _config = config;
    }

    private sealed record LocalOpenState(SessionConfig Config, OpenMessage Open, byte[] Bytes)
    {
        public static LocalOpenState Build(SessionConfig config)
        {
            var open = CapabilityNegotiation.BuildOpen(config);
            return new LocalOpenState(config, open, MessageCodec.Encode(open));
        }
    }

    /// <summary>
    /// Starts the session (ManualStart, or ManualStart_with_PassiveTcpEstablishment for a passive
    /// peer). The owner task starts with the first call.
    /// </summary>
    public void Start()
    {
        EnsureOwner();
        Post(new AdminStart());
    }

    /// <summary>
    /// Graceful stop: Cease (default Administrative Shutdown, RFC 4486 §4) with an optional RFC 9003
    /// shutdown communication, then close. The session stays Idle until <see cref="Start"/>.
    /// Completes when the NOTIFICATION was flushed (or could not be) and the connection closed.
    /// </summary>
    public Task StopAsync(CeaseSubcode subcode = CeaseSubcode.AdministrativeShutdown, string? shutdownMessage = null)
    {
        EnsureOwner();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(new AdminStop(NotificationMessage.Cease(subcode, shutdownMessage), done))) done.TrySetResult();
        return done.Task;
    }

    /// <summary>
    /// Stop for a graceful restart (RFC 4724 §4): like <see cref="StopAsync"/> but the connection is closed
    /// without a NOTIFICATION, so a helper peer keeps our routes (stale) until we are back or its restart timer
    /// expires. Only meaningful when both sides announced graceful restart; the caller decides that.
    /// </summary>
    public Task StopForRestartAsync()
    {
        EnsureOwner();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(new AdminStop(null, done))) done.TrySetResult();
        return done.Task;
    }

    /// <summary>Hands an accepted inbound connection to this session (from <see cref="BgpListener"/>).</summary>
    public void AcceptConnection(IBgpConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        EnsureOwner();
        if (!Post(new Inbound(connection)))
        {
            connection.Abort();
            _ = connection.DisposeAsync().AsTask();
        }
    }

    /// <summary>
    /// Queues encoded UPDATE messages (one or more whole messages, encoded with
    /// <see cref="NegotiatedSession.EncodeContext"/>) for this peer, in order; waits while the bounded
    /// queue is full. Returns false when the session is not Established (nothing is queued). The
    /// memory must not change afterwards (an encode-once buffer shared by an update group is fine).
    /// </summary>
    public ValueTask<bool> EnqueueUpdatesAsync(ReadOnlyMemory<byte> messages, CancellationToken cancellationToken = default)
    {
        var w = _establishedWriter;
        return w is null ? ValueTask.FromResult(false) : w.EnqueueUpdateAsync(messages, cancellationToken);
    }

    /// <summary>Like <see cref="EnqueueUpdatesAsync"/> but never waits: false when full or not Established.</summary>
    public bool TryEnqueueUpdates(ReadOnlyMemory<byte> messages) => _establishedWriter?.TryEnqueueUpdate(messages) ?? false;

    /// <summary>Queues an End-of-RIB marker for <paramref name="family"/> (RFC 4724 §2) behind the queued UPDATEs.</summary>
    public ValueTask<bool> SendEndOfRibAsync(AddressFamily family, CancellationToken cancellationToken = default)
    {
        var n = _publishedNegotiated;
        if (n is null) return ValueTask.FromResult(false);
        return EnqueueUpdatesAsync(MessageCodec.Encode(UpdateMessage.EndOfRib(family), n.EncodeContext), cancellationToken);
    }

    /// <summary>
    /// Queues a ROUTE-REFRESH (RFC 2918; BoRR/EoRR subtypes of RFC 7313) in order with the UPDATEs.
    /// Returns false when not Established or the peer did not advertise route refresh.
    /// </summary>
    public ValueTask<bool> SendRouteRefreshAsync(AddressFamily family, RouteRefreshSubtype subtype = RouteRefreshSubtype.Normal, CancellationToken cancellationToken = default)
    {
        var n = _publishedNegotiated;
        if (n is null || !n.RouteRefresh || (subtype != RouteRefreshSubtype.Normal && !n.EnhancedRouteRefresh)) return ValueTask.FromResult(false);
        return EnqueueUpdatesAsync(MessageCodec.Encode(new RouteRefreshMessage(family, subtype)), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _started) != 0)
        {
            await Task.WhenAny(StopAsync(), _owner).ConfigureAwait(false);
            _inbox.Writer.TryComplete();
            try
            {
                await _owner.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // already logged by the owner task
            }
        }
        foreach (var t in _timers) await t.DisposeAsync().ConfigureAwait(false);
    }

    private void EnsureOwner()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0) _owner = Task.Run(RunAsync);
    }

    /// <summary>Posts to the inbox and wakes the owner if it is waiting in a read.</summary>
    private bool Post(Input input)
    {
        if (!_inbox.Writer.TryWrite(input)) return false;
        try
        {
            Volatile.Read(ref _primary)?.Connection.Input.CancelPendingRead();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // the connection was completed meanwhile; the owner is not reading it
        }
        return true;
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                while (_inbox.Reader.TryRead(out var input)) await HandleInputAsync(input).ConfigureAwait(false);
                await BuryAsync().ConfigureAwait(false);
                Conn? conn = _primary;
                if (conn is null || conn.HandshakePending)
                {
                    if (!await _inbox.Reader.WaitToReadAsync().ConfigureAwait(false)) break;
                    continue;
                }
                await ReadOnceAsync(conn).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // A bug, not a protocol event: say so loudly; the session ends (Down is not reported).
            LogOwnerFailed(_logger, PeerAddress, ex);
            throw;
        }
        finally
        {
            _inbox.Writer.TryComplete();
            await ShutdownAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One read from the primary connection: frame, handle each whole message, AdvanceTo in finally.</summary>
    private async Task ReadOnceAsync(Conn conn)
    {
        PipeReader input = conn.Connection.Input;
        ReadResult result;
        try
        {
            result = await input.ReadAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            await TransportFailedAsync(conn, ex.Message).ConfigureAwait(false);
            return;
        }
        ReadOnlySequence<byte> buffer = result.Buffer;
        SequencePosition consumed = buffer.Start;
        bool stop = false;
        long updatesBefore = Interlocked.Read(ref _updatesReceived);
        try
        {
            (consumed, stop) = await HandleFramesAsync(conn, buffer).ConfigureAwait(false);
        }
        finally
        {
            if (!conn.Completed) input.AdvanceTo(consumed, buffer.End);
        }
        if (!stop && Interlocked.Read(ref _updatesReceived) != updatesBefore && _fsm.State == BgpState.Established)
            await _handler.OnReceiveIdleAsync(this).ConfigureAwait(false);
        if (!stop && result.IsCompleted && conn == _primary)
            await TransportFailedAsync(conn, "connection closed by peer").ConfigureAwait(false);
    }

    private async ValueTask<(SequencePosition Consumed, bool Stop)> HandleFramesAsync(Conn conn, ReadOnlySequence<byte> buffer)
    {
        SequencePosition consumed = buffer.Start;
        while (BgpFraming.TryReadMessage(ref buffer, _decodeContext.MaxMessageLength, out var type, out var body, out var headerError))
        {
            if (headerError is WireError he)
            {
                LogDecodeError(_logger, PeerAddress, he.Reason);
                await StepAsync(new FsmInput(FsmEvent.BGPHeaderErr, he.ToNotification())).ConfigureAwait(false);
                return (consumed, true);
            }
            consumed = buffer.Start;
            await HandleMessageAsync(conn, type, body).ConfigureAwait(false);
            Interlocked.Increment(ref _messagesReceived);
            if (type == BgpMessageType.Update) Interlocked.Increment(ref _updatesReceived);
            if (conn != _primary) return (consumed, true);
        }
        return (consumed, false);
    }

    private static bool IsTransportError(Exception ex) =>
        ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException;

    private sealed class TimerState(BgpSession session, TimerKind kind)
    {
        public void Fire() => session.Post(new TimerFired(kind));
    }
}
