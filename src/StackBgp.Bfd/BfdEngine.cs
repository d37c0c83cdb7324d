using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackBgp.Bfd.Linux;

namespace StackBgp.Bfd;

/// <summary>
/// Runs all BFD sessions on one dedicated thread of its own (not the thread pool): one epoll loop
/// over the receive sockets, a timerfd armed at the earliest session deadline (CLOCK_MONOTONIC,
/// nanosecond resolution, 1 µs timer slack) and an eventfd for commands. Other threads only
/// enqueue commands and read channels, so RIB work never delays a packet. The steady-state
/// send and receive path allocates nothing (native buffers, pre-built destinations,
/// value-type demultiplexing keys), which keeps this thread from provoking collections.
/// <para>
/// Garbage collection still suspends managed threads, this one included. Therefore, while a
/// session is Up, its next packets are handed to the kernel ahead of time (io_uring timed sends,
/// see BfdEngine.Kernel.cs) and leave on time during a collection. For the daemon we recommend
/// the defaults plus <see cref="BfdEngineOptions.RealtimePriority"/> = 10, concurrent GC (the daemon
/// runs Server GC with two heaps since 2026-12-07, Workstation before; both measured)
/// and <c>GCSettings.LatencyMode = GCLatencyMode.SustainedLowLatency</c>; measured figures are
/// in src/StackBgp.Bfd/README.md.
/// </para>
/// </summary>
public sealed partial class BfdEngine : IDisposable
{
    private readonly BfdEngineOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<Command> _commands = new();
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _started = new();
    private readonly Random _random;
    private readonly Func<double> _jitter;
    private readonly Lock _subscribersLock = new();
    private Channel<BfdStateChange>[] _subscribers = [];
    private Exception? _startFailure;
    private volatile bool _stopping;
    private int _wakeFd = -1;
    private bool _startCalled;

    public BfdEngine(BfdEngineOptions? options = null, ILogger<BfdEngine>? logger = null)
    {
        _options = options ?? new BfdEngineOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _random = _options.RandomSeed is { } seed ? new Random(seed) : new Random();
        _jitter = _options.DisableJitter ? static () => 1.0 : _random.NextDouble;
        _trace = _options.TransmitTraceCapacity > 0 ? new long[_options.TransmitTraceCapacity] : [];
        _traceLateness = new long[_trace.Length];
        _rxTrace = new long[_trace.Length];
        _thread = new Thread(Run) { IsBackground = true, Name = "bfd-engine", Priority = ThreadPriority.Highest };
    }

    /// <summary>Starts the engine thread; throws if it could not enter the namespace or create its descriptors.</summary>
    public void Start()
    {
        if (_startCalled) throw new InvalidOperationException("BFD engine already started");
        _startCalled = true;
        _thread.Start();
        _started.Wait();
        if (_startFailure is not null) throw new InvalidOperationException("BFD engine failed to start", _startFailure);
    }

    /// <summary>
    /// Adds a session. Completes once the engine thread has opened its socket; fails with
    /// <see cref="ArgumentException"/> for an invalid or duplicate config, <see cref="IOException"/>
    /// when the socket cannot be set up (e.g. unknown interface).
    /// </summary>
    public Task AddSession(BfdPeerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return Post(new Command(CommandKind.Add, config, config.Key));
    }

    /// <summary>Removes a session (one AdminDown packet is sent first). Completes with false if it did not exist.</summary>
    public Task<bool> RemoveSession(BfdSessionKey key) =>
        Post(new Command(CommandKind.Remove, null, key)).ContinueWith(t => (bool)t.Result!, TaskScheduler.Default);

    /// <summary>
    /// Changes a session's parameters in place. Interval changes while Up go through a Poll
    /// Sequence (RFC 5880 §6.8.3) without a flap; <c>Shutdown</c> moves it to or from AdminDown.
    /// </summary>
    public Task UpdateSession(BfdPeerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return Post(new Command(CommandKind.Update, config, config.Key));
    }

    /// <summary>Status of every session and the engine counters, taken on the engine thread.</summary>
    public async Task<BfdSnapshot> GetSnapshotAsync()
    {
        object? result = await Post(new Command(CommandKind.Snapshot, null, default)).ConfigureAwait(false);
        return (BfdSnapshot)result!;
    }

    /// <summary>
    /// A new subscriber's channel of state changes. Each subscriber gets every change from now
    /// on, in order. Dispose the subscription to stop receiving.
    /// </summary>
    public BfdSubscription Subscribe()
    {
        var channel = Channel.CreateUnbounded<BfdStateChange>(new UnboundedChannelOptions { SingleWriter = true });
        lock (_subscribersLock) _subscribers = [.. _subscribers, channel];
        return new BfdSubscription(channel.Reader, () =>
        {
            lock (_subscribersLock) _subscribers = Array.FindAll(_subscribers, c => c != channel);
            channel.Writer.TryComplete();
        });
    }

    /// <summary>Stops the thread (sending AdminDown first if configured) and closes every socket.</summary>
    public void Dispose()
    {
        if (_startCalled && !_stopping)
        {
            _stopping = true;
            Wake();
            _thread.Join();
        }
        _stopping = true;
        while (_commands.TryDequeue(out var command)) command.Done.TrySetException(new ObjectDisposedException(nameof(BfdEngine)));
        foreach (var channel in _subscribers) channel.Writer.TryComplete();
        _started.Dispose();
    }

    private Task<object?> Post(Command command)
    {
        if (_stopping) return Task.FromException<object?>(new ObjectDisposedException(nameof(BfdEngine)));
        _commands.Enqueue(command);
        Wake();
        return command.Done.Task;
    }

    private unsafe void Wake()
    {
        int fd = Volatile.Read(ref _wakeFd);
        if (fd < 0) return;
        ulong one = 1;
        LinuxNative.Write(fd, &one, sizeof(ulong));
    }

    private void Publish(BfdSessionKey key, in BfdSessionChange change, BfdDiagnostic remoteDiagnostic)
    {
        var ev = new BfdStateChange(key, change.Old, change.New, change.Diagnostic, remoteDiagnostic, DateTimeOffset.UtcNow);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation("BFD peer {Key}: {Old} -> {New} ({Diag})", key, change.Old, change.New, BfdNames.Format(change.Diagnostic));
        }
        foreach (var channel in Volatile.Read(ref _subscribers)) channel.Writer.TryWrite(ev);
    }

    private enum CommandKind
    {
        Add,
        Remove,
        Update,
        Snapshot,
    }

    private sealed class Command(CommandKind kind, BfdPeerConfig? config, BfdSessionKey key)
    {
        public CommandKind Kind { get; } = kind;
        public BfdPeerConfig? Config { get; } = config;
        public BfdSessionKey Key { get; } = key;
        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>A subscriber's view of <see cref="BfdEngine"/> state changes.</summary>
public sealed class BfdSubscription : IDisposable
{
    private readonly Action _unsubscribe;
    private int _disposed;

    internal BfdSubscription(ChannelReader<BfdStateChange> reader, Action unsubscribe)
    {
        Reader = reader;
        _unsubscribe = unsubscribe;
    }

    public ChannelReader<BfdStateChange> Reader { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _unsubscribe();
    }
}
