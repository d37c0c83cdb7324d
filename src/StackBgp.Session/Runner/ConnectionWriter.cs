using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using StackBgp.Wire;

namespace StackBgp.Session;

/// <summary>
/// The single writer of one connection. Control messages (OPEN, KEEPALIVE, NOTIFICATION,
/// ROUTE-REFRESH) go first; queued UPDATE bytes follow in batches, one flush per batch. It owns the
/// KeepaliveTimer (RFC 4271 §8.2.2: "each time the local system sends a KEEPALIVE or UPDATE message,
/// it restarts its KeepaliveTimer"), so keepalives never wait behind routing work, and it reports
/// a flush that stays blocked for SendHoldTime (RFC 9687).
/// </summary>
internal sealed class ConnectionWriter : IAsyncDisposable
{
    private const int BatchBytes = 64 * 1024;
    private static readonly byte[] KeepaliveBytes = CreateKeepalive();

    private readonly PipeWriter _output;
    private readonly TimeProvider _time;
    private readonly Channel<ReadOnlyMemory<byte>> _control = Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<ReadOnlyMemory<byte>> _updates;
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Action<Exception?> _onFailed;
    private readonly Action _onSendHoldExpired;
    private readonly ITimer _keepaliveTimer;
    private readonly ITimer _sendHoldTimer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TimeSpan _keepaliveInterval = Timeout.InfiniteTimeSpan;
    private TimeSpan _sendHoldTime = Timeout.InfiniteTimeSpan;
    private volatile bool _closing;
    private int _disposed;

    public ConnectionWriter(PipeWriter output, TimeProvider time, int updateCapacity, Action<Exception?> onFailed, Action onSendHoldExpired)
    {
        _output = output;
        _time = time;
        _onFailed = onFailed;
        _onSendHoldExpired = onSendHoldExpired;
        _updates = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(Math.Max(1, updateCapacity)) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _keepaliveTimer = time.CreateTimer(static s => ((ConnectionWriter)s!).KeepaliveDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _sendHoldTimer = time.CreateTimer(static s => ((ConnectionWriter)s!)._onSendHoldExpired(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Total octets handed to the transport (for tests and counters).</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);
    private long _bytesWritten;

    public long KeepalivesSent => Interlocked.Read(ref _keepalivesSent);
    private long _keepalivesSent;

    public void EnqueueControl(ReadOnlyMemory<byte> message)
    {
        if (_control.Writer.TryWrite(message)) _doorbell.Writer.TryWrite(true);
    }

    public async ValueTask<bool> EnqueueUpdateAsync(ReadOnlyMemory<byte> updates, CancellationToken cancellationToken)
    {
        if (_closing) return false;
        try
        {
            await _updates.Writer.WriteAsync(updates, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return false;
        }
        _doorbell.Writer.TryWrite(true);
        return true;
    }

    public bool TryEnqueueUpdate(ReadOnlyMemory<byte> updates)
    {
        if (_closing || !_updates.Writer.TryWrite(updates)) return false;
        _doorbell.Writer.TryWrite(true);
        return true;
    }

    /// <summary>Starts (or restarts) periodic KEEPALIVEs; zero stops them (hold time 0).</summary>
    public void StartKeepalives(TimeSpan interval)
    {
        _keepaliveInterval = interval > TimeSpan.Zero ? interval : Timeout.InfiniteTimeSpan;
        _keepaliveTimer.Change(_keepaliveInterval, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Arms the RFC 9687 check: a flush blocked this long raises SendHoldTimer_Expires.</summary>
    public void SetSendHoldTime(TimeSpan sendHold) => _sendHoldTime = sendHold;

    private void KeepaliveDue()
    {
        EnqueueControl(KeepaliveBytes);
        Interlocked.Increment(ref _keepalivesSent);
    }

    private async Task RunAsync()
    {
        try
        {
            while (await _doorbell.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                _doorbell.Reader.TryRead(out _);
                while (await WriteBatchAsync().ConfigureAwait(false))
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException or ObjectDisposedException)
        {
            _onFailed(ex);
        }
    }

    /// <summary>Writes control messages, then UPDATEs up to a batch size; flushes once. Returns true if more is queued.</summary>
    private async ValueTask<bool> WriteBatchAsync()
    {
        int written = 0;
        while (_control.Reader.TryRead(out var c))
        {
            _output.Write(c.Span);
            written += c.Length;
        }
        if (!_closing)
        {
            while (written < BatchBytes && _updates.Reader.TryRead(out var u))
            {
                _output.Write(u.Span);
                written += u.Length;
                SharedBuffer.ReleaseIfShared(u); // copied into the pipe: the RIB may reuse its buffer
            }
        }
        if (written == 0) return false;
        // Anything written (KEEPALIVE, UPDATE, ...) restarts the KeepaliveTimer.
        if (_keepaliveInterval != Timeout.InfiniteTimeSpan && !_closing) _keepaliveTimer.Change(_keepaliveInterval, Timeout.InfiniteTimeSpan);

        ValueTask<FlushResult> flush = _output.FlushAsync(_stop.Token);
        FlushResult result;
        if (flush.IsCompleted)
        {
            result = flush.Result;
        }
        else
        {
            // RFC 9687 §3: the SendHoldTimer runs while we cannot make progress sending.
            if (_sendHoldTime != Timeout.InfiniteTimeSpan) _sendHoldTimer.Change(_sendHoldTime, Timeout.InfiniteTimeSpan);
            try
            {
                result = await flush.ConfigureAwait(false);
            }
            finally
            {
                _sendHoldTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }
        Interlocked.Add(ref _bytesWritten, written);
        if (result.IsCompleted)
        {
            _onFailed(null);
            return false;
        }
        return _control.Reader.TryPeek(out _) || (!_closing && _updates.Reader.TryPeek(out _));
    }

    /// <summary>
    /// Stops taking UPDATEs, writes what control messages are queued (e.g. the final NOTIFICATION),
    /// and ends the loop; gives up after <paramref name="timeout"/> (a peer that does not read).
    /// </summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        _closing = true;
        _updates.Writer.TryComplete();
        _keepaliveTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _control.Writer.TryComplete();
        _doorbell.Writer.TryWrite(true);
        _doorbell.Writer.TryComplete();
        using var cts = new CancellationTokenSource(timeout, _time);
        try
        {
            await _loop.WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Gives up on the transport at once: a blocked flush is cancelled (send hold timer, RFC 9687).</summary>
    public void Abandon()
    {
        _closing = true;
        if (Volatile.Read(ref _disposed) == 0) _stop.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _closing = true;
        _updates.Writer.TryComplete();
        _control.Writer.TryComplete();
        _doorbell.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _keepaliveTimer.DisposeAsync().ConfigureAwait(false);
        await _sendHoldTimer.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private static byte[] CreateKeepalive()
    {
        var b = new byte[Wire.BgpFraming.HeaderLength];
        Wire.BgpFraming.WriteHeader(b, b.Length, Wire.BgpMessageType.Keepalive);
        return b;
    }
}
