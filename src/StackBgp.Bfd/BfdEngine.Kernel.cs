using System.Runtime.InteropServices;
using StackBgp.Bfd.Linux;

namespace StackBgp.Bfd;

/// <summary>
/// Kernel-timed transmission (io_uring TIMEOUT hard-linked to SEND): while a session is Up and
/// its periodic packet does not change, the packets of the next
/// <see cref="BfdEngineOptions.TransmitAheadTime"/> are handed to the kernel with their absolute
/// send times. They leave on time even
/// when a garbage collection suspends this thread. When the packet content changes (state,
/// Poll, parameters) the packets already queued are rewritten in place; a removed session's
/// socket is closed only after its queued sends completed.
/// </summary>
public sealed partial class BfdEngine
{
    private const int SlotSize = 64;
    private IoUring? _ring;
    private readonly Dictionary<int, SessionEntry> _byId = [];
    private readonly List<SessionEntry> _retiring = [];
    private int _nextEntryId;

    /// <summary>Whether transmissions are kernel-timed (io_uring available and enabled).</summary>
    internal bool KernelTimed => _ring is not null;

    private sealed unsafe class TransmitSlots : IDisposable
    {
        public TransmitSlots(int count)
        {
            Count = count;
            Buffers = (byte*)NativeMemory.AllocZeroed((nuint)(count * SlotSize));
            InFlight = new bool[count];
        }

        public int Count { get; }
        public byte* Buffers { get; }
        public bool[] InFlight { get; }
        public int Next { get; set; }
        public int InFlightCount { get; set; }

        public Span<byte> Slot(int i) => new(Buffers + i * SlotSize, SlotSize);

        public void Dispose() => NativeMemory.Free(Buffers);
    }

    private void CreateRing()
    {
        if (!_options.KernelTimedTransmit || _options.TransmitAheadTime <= TimeSpan.Zero) return;
        _ring = IoUring.TryCreate(1024);
    }

    /// <summary>Queues periodic packets up to TransmitAhead intervals ahead of <paramref name="now"/>.</summary>
    private unsafe void ScheduleAhead(SessionEntry entry, long now)
    {
        var session = entry.Session;
        var slots = entry.Slots!;
        long lead = LeadUs(session);
        bool queued = false;
        while (session.NextTransmitUs <= now + lead)
        {
            int slot = slots.Next;
            if (slots.InFlight[slot]) break;
            int length = session.BuildPacket(slots.Slot(slot), final: false, count: false);
            if (!_ring!.TryQueueTimedSend(session.NextTransmitUs, entry.Transmit.Fd, slots.Buffers + slot * SlotSize, length, ((ulong)(uint)entry.Id << 8) | (uint)slot))
            {
                break;
            }
            long at = session.TakePeriodicTransmit();
            TraceTransmit(at, 0);
            slots.InFlight[slot] = true;
            slots.InFlightCount++;
            slots.Next = (slot + 1) % slots.Count;
            queued = true;
        }
        if (queued) _ring!.Submit();
    }

    private long LeadUs(BfdSession session) => Math.Max(session.TransmitIntervalUs, AheadUs);

    private long AheadUs => (long)_options.TransmitAheadTime.TotalMicroseconds;

    /// <summary>Slots per session: enough for the ahead time at the 10 ms minimum interval, plus two in completion.</summary>
    private int SlotsPerSession => (int)Math.Min(250, AheadUs / 10_000 + 3);

    /// <summary>When the engine must look at this session again.</summary>
    private long WakeTime(SessionEntry entry)
    {
        var s = entry.Session;
        if (_ring is null || !s.PeriodicContentStable) return s.NextDeadlineUs;
        return Math.Min(s.DetectionDeadlineUs, s.NextTransmitUs - LeadUs(s));
    }

    /// <summary>Packets already queued carry the session's current content (state, flags, intervals).</summary>
    private void RewriteQueued(SessionEntry entry)
    {
        var slots = entry.Slots;
        if (slots is null || slots.InFlightCount == 0) return;
        Span<byte> current = stackalloc byte[SlotSize];
        int length = entry.Session.BuildPacket(current, final: false, count: false);
        for (int i = 0; i < slots.Count; i++)
        {
            if (!slots.InFlight[i]) continue;
            var slot = slots.Slot(i);
            // Only the content changes in place; the length a queued SEND uses is fixed.
            if (!slot[..length].SequenceEqual(current[..length])) current[..length].CopyTo(slot);
        }
    }

    private void ReapCompletions()
    {
        if (_ring is null) return;
        while (_ring.TryReapCompletion(out ulong userData, out int result))
        {
            if ((userData & IoUring.TimeoutTag) != 0) continue;
            if (result < 0) _sendErrors++;
            int id = (int)(userData >> 8);
            int slot = (int)(userData & 0xFF);
            if (_byId.TryGetValue(id, out var entry) && entry.Slots is { } slots && slots.InFlight[slot])
            {
                slots.InFlight[slot] = false;
                slots.InFlightCount--;
            }
        }
        for (int i = _retiring.Count - 1; i >= 0; i--)
        {
            var entry = _retiring[i];
            if (entry.Slots is { InFlightCount: > 0 }) continue;
            _retiring.RemoveAt(i);
            _byId.Remove(entry.Id);
            entry.Transmit.Dispose();
            entry.Slots?.Dispose();
        }
    }

    /// <summary>Closes a session's socket now, or once its queued sends have completed.</summary>
    private void Retire(SessionEntry entry)
    {
        if (entry.Slots is { InFlightCount: > 0 })
        {
            _retiring.Add(entry);
            return;
        }
        _byId.Remove(entry.Id);
        entry.Transmit.Dispose();
        entry.Slots?.Dispose();
    }

    private void DisposeRing()
    {
        // Closing the ring cancels what is still queued; then the sockets can go.
        _ring?.Dispose();
        _ring = null;
        foreach (var entry in _retiring)
        {
            entry.Transmit.Dispose();
            entry.Slots?.Dispose();
        }
        _retiring.Clear();
    }
}
