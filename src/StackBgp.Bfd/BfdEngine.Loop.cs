using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using StackBgp.Bfd.Linux;
using static StackBgp.Bfd.Linux.LinuxNative;

namespace StackBgp.Bfd;

/// <summary>The engine thread: epoll loop, timer, receive demultiplexing (RFC 5880 §6.3, RFC 5881 §3/§5, RFC 5883).</summary>
public sealed partial class BfdEngine
{
    private const int MaxEvents = 16;

    private readonly List<SessionEntry> _sessions = [];
    private readonly Dictionary<BfdSessionKey, SessionEntry> _byKey = [];
    private readonly Dictionary<uint, SessionEntry> _byDiscriminator = [];
    private readonly Dictionary<BfdPeerKey, SessionEntry> _byPeer = [];
    // Index: (IPv6 ? 1 : 0) + (multihop ? 2 : 0).
    private readonly BfdReceiveSocket?[] _receivers = new BfdReceiveSocket?[4];
    private readonly byte[] _txBuffer = new byte[BfdCodec.MaxLength + 16];
    private readonly long[] _trace;
    private readonly long[] _traceLateness;
    private long _traceCount;
    private readonly long[] _rxTrace;
    private long _rxTraceCount;
    private long _allocatedMark;
    private int _epfd = -1;
    private int _timerFd = -1;
    private long _armedDeadlineUs = long.MinValue;

    private long _received;
    private long _droppedTtl;
    private long _droppedInvalid;
    private long _droppedNoSession;
    private long _sendErrors;
    private long _loopIterations;

    /// <summary>Number of periodic transmissions traced so far (<see cref="BfdEngineOptions.TransmitTraceCapacity"/> &gt; 0).</summary>
    internal int TransmitTraceCount() => TraceLength;

    /// <summary>
    /// Inter-transmission intervals and lateness against the scheduled time (both µs) of the
    /// periodic transmissions traced from index <paramref name="start"/> on. Measurement only.
    /// </summary>
    internal (long[] Intervals, long[] Lateness) TraceSlice(int start)
    {
        int end = TraceLength;
        if (end - start < 2) return ([], []);
        var intervals = new long[end - start - 1];
        for (int i = 0; i < intervals.Length; i++) intervals[i] = _trace[start + i + 1] - _trace[start + i];
        return (intervals, _traceLateness[(start + 1)..end]);
    }

    private int TraceLength => (int)Math.Min(Volatile.Read(ref _traceCount), _trace.Length);

    private unsafe void Run()
    {
        byte* events = null;
        try
        {
            if (_options.NetworkNamespace is { } ns) EnterNetworkNamespace(ns);
            // Wake within a microsecond of the deadline instead of the default 50 µs slack.
            Prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0);
            if (_options.RealtimePriority is { } priority)
            {
                int param = priority;
                if (SchedSetscheduler(0, SCHED_FIFO, &param) != 0)
                {
                    _logger.LogWarning("BFD engine: SCHED_FIFO {Priority} refused (errno {Errno}); running with normal priority", priority, Marshal.GetLastPInvokeError());
                }
            }
            _epfd = Check(EpollCreate1(EPOLL_CLOEXEC), "epoll_create1");
            _timerFd = Check(TimerfdCreate(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC), "timerfd_create");
            int wake = Check(Eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
            Register(_timerFd);
            Register(wake);
            Volatile.Write(ref _wakeFd, wake);
            events = (byte*)NativeMemory.AllocZeroed((nuint)(EpollEventSize * MaxEvents));
            CreateRing();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException)
        {
            _startFailure = e;
            _started.Set();
            return;
        }
        _started.Set();
        try
        {
            Loop(events);
        }
        finally
        {
            Shutdown();
            NativeMemory.Free(events);
        }
    }

    private unsafe void Loop(byte* events)
    {
        while (!_stopping)
        {
            _loopIterations++;
            ReapCompletions();
            DrainCommands();
            long now = MonotonicMicroseconds();
            long next = RunTimers(now);
            Arm(next);
            int n = EpollWait(_epfd, events, MaxEvents, -1);
            if (n < 0) continue; // EINTR
            for (int i = 0; i < n; i++)
            {
                int fd = (int)*(ulong*)(events + i * EpollEventSize + EpollDataOffset);
                if (fd == _timerFd || fd == _wakeFd)
                {
                    ulong discard;
                    Read(fd, &discard, sizeof(ulong));
                    continue;
                }
                foreach (var receiver in _receivers)
                {
                    if (receiver is not null && receiver.Fd == fd) DrainReceiver(receiver);
                }
            }
        }
    }

    /// <summary>Runs every due session timer and returns the earliest next deadline.</summary>
    private long RunTimers(long now)
    {
        var sessions = _sessions;
        // After a stall (GC, CPU starvation) packets may be waiting in the sockets: read them
        // before declaring a detection timeout (§6.8.4 counts packets received, not read).
        for (int i = 0; i < sessions.Count; i++)
        {
            if (sessions[i].Session.DetectionDeadlineUs <= now)
            {
                DrainAllReceivers();
                now = MonotonicMicroseconds();
                break;
            }
        }
        long next = BfdSession.Never;
        for (int i = 0; i < sessions.Count; i++)
        {
            var entry = sessions[i];
            if (_ring is not null && entry.Session.PeriodicContentStable) ScheduleAhead(entry, now);
            if (entry.Session.NextDeadlineUs <= now)
            {
                Handle(entry, entry.Session.Tick(now), now);
                if (_ring is not null && entry.Session.PeriodicContentStable) ScheduleAhead(entry, now);
            }
            next = Math.Min(next, WakeTime(entry));
        }
        return next;
    }

    private void DrainAllReceivers()
    {
        foreach (var receiver in _receivers)
        {
            if (receiver is not null) DrainReceiver(receiver);
        }
    }

    private unsafe void Arm(long deadlineUs)
    {
        if (deadlineUs == _armedDeadlineUs) return;
        _armedDeadlineUs = deadlineUs;
        Itimerspec spec = default;
        if (deadlineUs != BfdSession.Never)
        {
            // An all-zero value disarms, so never arm at exactly 0.
            spec.Value.Seconds = deadlineUs / 1_000_000;
            spec.Value.Nanoseconds = Math.Max(1, deadlineUs % 1_000_000 * 1000);
        }
        TimerfdSettime(_timerFd, TFD_TIMER_ABSTIME, &spec, null);
    }

    private void DrainReceiver(BfdReceiveSocket receiver)
    {
        while (receiver.TryReceive(out var info))
        {
            _received++;
            long now = MonotonicMicroseconds();
            OnDatagram(receiver, receiver.Data(Math.Min(info.Length, 256)), in info, now);
        }
    }

    private void OnDatagram(BfdReceiveSocket receiver, ReadOnlySpan<byte> data, in BfdDatagramInfo info, long now)
    {
        // RFC 5881 §5: single-hop packets must arrive with TTL / hop limit 255 (GTSM).
        if (!receiver.Multihop && info.Ttl != 255)
        {
            _droppedTtl++;
            return;
        }
        if (info.Truncated || BfdCodec.TryDecode(data, out var packet, out var auth) != BfdDecodeStatus.Ok)
        {
            _droppedInvalid++;
            return;
        }
        SessionEntry? entry;
        if (packet.YourDiscriminator != 0)
        {
            // §6.8.6: select the session by Your Discriminator; none found: discard.
            if (!_byDiscriminator.TryGetValue(packet.YourDiscriminator, out entry)
                || entry.Multihop != receiver.Multihop || entry.PeerAddress != info.Source)
            {
                _droppedNoSession++;
                return;
            }
        }
        else if (!TryFindByAddress(receiver.Multihop, in info, out entry))
        {
            _droppedNoSession++;
            return;
        }
        if (!entry.Multihop && entry.IfIndex != 0 && info.IfIndex != entry.IfIndex)
        {
            _droppedNoSession++;
            return;
        }
        // RFC 5883 §5: multihop packets below the configured minimum TTL are dropped.
        if (entry.Multihop && info.Ttl < entry.Session.Config.MinimumTtl)
        {
            _droppedTtl++;
            return;
        }
        Handle(entry, entry.Session.Receive(data[..data[3]], in packet, in auth, now), now);
        if (_rxTrace.Length > 0 && !packet.Final && info.KernelTimeNs != 0)
        {
            long index = _rxTraceCount;
            if (index < _rxTrace.Length) _rxTrace[index] = info.KernelTimeNs / 1000;
            Volatile.Write(ref _rxTraceCount, index + 1);
        }
    }

    /// <summary>Number of received periodic packets traced (kernel arrival times).</summary>
    internal int ReceiveTraceCount() => (int)Math.Min(Volatile.Read(ref _rxTraceCount), _rxTrace.Length);

    /// <summary>Inter-arrival intervals (µs, kernel timestamps) of received periodic packets from index <paramref name="start"/> on.</summary>
    internal long[] ReceiveIntervals(int start)
    {
        int end = ReceiveTraceCount();
        if (end - start < 2) return [];
        var intervals = new long[end - start - 1];
        for (int i = 0; i < intervals.Length; i++) intervals[i] = _rxTrace[start + i + 1] - _rxTrace[start + i];
        return intervals;
    }

    /// <summary>RFC 5881 §3 / RFC 5883 §3: with Your Discriminator zero, select by addresses (and interface).</summary>
    private bool TryFindByAddress(bool multihop, in BfdDatagramInfo info, out SessionEntry entry)
    {
        if (multihop)
        {
            return _byPeer.TryGetValue(new BfdPeerKey(info.Source, info.Destination, 0, true), out entry!)
                || _byPeer.TryGetValue(new BfdPeerKey(info.Source, default, 0, true), out entry!);
        }
        return _byPeer.TryGetValue(new BfdPeerKey(info.Source, default, info.IfIndex, false), out entry!)
            || _byPeer.TryGetValue(new BfdPeerKey(info.Source, default, 0, false), out entry!);
    }

    private void Handle(SessionEntry entry, BfdSessionOutput output, long now)
    {
        if ((output & BfdSessionOutput.StateChanged) != 0)
        {
            Publish(entry.Key, entry.Session.LastChange, entry.Session.RemoteDiagnostic);
        }
        if (output != BfdSessionOutput.None) RewriteQueued(entry);
        if ((output & BfdSessionOutput.SendFinal) != 0) Send(entry, final: true, now);
        else if ((output & BfdSessionOutput.Send) != 0) Send(entry, final: false, now);
    }

    private void Send(SessionEntry entry, bool final, long now)
    {
        int length = entry.Session.BuildPacket(_txBuffer, final);
        if (entry.Transmit.Send(_txBuffer.AsSpan(0, length)) != 0) _sendErrors++;
        if (!final) TraceTransmit(now, now - entry.Session.LastScheduledTransmitUs);
    }

    private void TraceTransmit(long at, long lateness)
    {
        if (_trace.Length == 0) return;
        long index = _traceCount;
        if (index < _trace.Length)
        {
            _trace[index] = at;
            _traceLateness[index] = lateness;
        }
        Volatile.Write(ref _traceCount, index + 1);
    }

    private unsafe void Register(int fd)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = EPOLLIN;
        *(ulong*)(ev + EpollDataOffset) = (ulong)fd;
        Check(EpollCtl(_epfd, EPOLL_CTL_ADD, fd, ev), "epoll_ctl");
    }

    private static int Check(int result, string what)
    {
        if (result < 0) throw new IOException($"{what} failed: errno {Marshal.GetLastPInvokeError()}");
        return result;
    }

    private void Shutdown()
    {
        long now = MonotonicMicroseconds();
        foreach (var entry in _sessions)
        {
            if (_options.SendAdminDownOnStop) SendAdminDown(entry, now);
        }
        DisposeRing();
        foreach (var entry in _sessions)
        {
            entry.Transmit.Dispose();
            entry.Slots?.Dispose();
        }
        _sessions.Clear();
        foreach (var receiver in _receivers) receiver?.Dispose();
        int wake = Interlocked.Exchange(ref _wakeFd, -1);
        if (wake >= 0) Close(wake);
        if (_timerFd >= 0) Close(_timerFd);
        if (_epfd >= 0) Close(_epfd);
        _logger.LogDebug("BFD engine stopped");
    }
}
