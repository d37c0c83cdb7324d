using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary>
/// Where the RIB has one flush encoded: whole UPDATEs written back to back into a few large segments
/// rather than one small array per attribute set. A full table flushes about a thousand UPDATEs per
/// round; as separate buffers each was an allocation and a trip through the session's two queues, now a
/// segment of up to 64 KiB carries hundreds. As a list it holds the finished segments (call
/// <see cref="Seal"/> before reading it), and counts the messages in each for the senders' counters.
/// <see cref="WireUpdateEncoder"/> writes into it directly; other encoders just add their buffers.
/// <para>The 64 KiB segments are reused: each is a <see cref="SharedBuffer"/> that counts who holds part
/// of it: this writer while it writes there, the list while it lists a buffer of it, and every sender it
/// was handed to (<see cref="AddSendReference"/>; the session's writer releases it once it has copied the
/// bytes into its pipe). At no reference left the segment goes back to a small pool. A full table passes
/// ~30 MB through here; without reuse all of it was garbage.</para>
/// </summary>
internal sealed class UpdateBuffers : List<ReadOnlyMemory<byte>>, IBufferWriter<byte>
{
    private const int FirstSegment = 4096;
    private const int Segment = 64 * 1024;
    private const int PoolLimit = 32;

    private readonly ConcurrentQueue<PooledSegment> _pool = new();
    private PooledSegment? _pooled;
    private byte[]? _segment;
    private int _used;
    private int _start;
    private int _messagesInSegment;
    private readonly List<int> _counts = [];

    /// <summary>Messages in segment <c>i</c> (one per buffer that another encoder added).</summary>
    public int MessagesIn(int i) => i < _counts.Count ? _counts[i] : 1;

    public void Advance(int count)
    {
        _used += count;
        _messagesInSegment++; // the packer advances once per whole message
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Ensure(sizeHint).AsMemory(_used);

    public Span<byte> GetSpan(int sizeHint = 0) => Ensure(sizeHint).AsSpan(_used);

    private byte[] Ensure(int sizeHint)
    {
        int need = Math.Max(sizeHint, 1);
        if (_segment is not null && _segment.Length - _used >= need) return _segment;
        Cut();
        _pooled?.Release(); // this writer's own reference
        _pooled = null;
        if (_segment is null && Count == 0 && need <= FirstSegment) _segment = new byte[FirstSegment];
        else if (need <= Segment)
        {
            _pooled = _pool.TryDequeue(out var reused) ? reused : new PooledSegment(_pool);
            _pooled.Rent();
            _segment = _pooled.Array;
        }
        else _segment = new byte[need];
        _used = 0;
        _start = 0;
        return _segment;
    }

    /// <summary>Counts one more sender holding buffer <paramref name="i"/>; call before handing it out.</summary>
    public void AddSendReference(int i)
    {
        if (MemoryMarshal.TryGetMemoryManager(this[i], out PooledSegment? segment)) segment.AddRef();
    }

    /// <summary>Ends the current segment: what was written becomes the last buffer of the list.</summary>
    public void Seal() => Cut();

    private void Cut()
    {
        if (_segment is null || _used == _start) return;
        PadCounts();
        if (_pooled is not null)
        {
            _pooled.AddRef(); // the list's reference, until Clear
            Add(_pooled.Memory[_start.._used]);
        }
        else Add(_segment.AsMemory(_start, _used - _start));
        _counts.Add(_messagesInSegment);
        _messagesInSegment = 0;
        _start = _used; // the rest of the segment may still take the next flush's first messages
    }

    // Buffers that other encoders added directly count one message each.
    private void PadCounts()
    {
        while (_counts.Count < Count) _counts.Add(1);
    }

    /// <summary>A reusable 64 KiB segment (pinned, so that <see cref="Pin"/> needs no handle).</summary>
    private sealed class PooledSegment(ConcurrentQueue<PooledSegment> pool) : SharedBuffer
    {
        private int _refs;

        public readonly byte[] Array = GC.AllocateUninitializedArray<byte>(Segment, pinned: true);

        /// <summary>Taken by the writer: its own reference.</summary>
        public void Rent() => Volatile.Write(ref _refs, 1);

        public override void AddRef() => Interlocked.Increment(ref _refs);

        public override void Release()
        {
            int left = Interlocked.Decrement(ref _refs);
            if (left == 0 && pool.Count < PoolLimit) pool.Enqueue(this);
            else if (left < 0) throw new InvalidOperationException("update segment released more often than handed out");
        }

        public override Span<byte> GetSpan() => Array;

        public override unsafe MemoryHandle Pin(int elementIndex = 0) =>
            new(System.Runtime.CompilerServices.Unsafe.AsPointer(ref Array[elementIndex]));

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    /// <summary>
    /// Forgets the buffers; the free rest of the segment is reused. A buffer stays valid for whoever holds
    /// it only with a reference counted by <see cref="AddSendReference"/>.
    /// </summary>
    public new void Clear()
    {
        Seal();
        foreach (var buffer in this) SharedBuffer.ReleaseIfShared(buffer);
        base.Clear();
        _counts.Clear();
    }
}
