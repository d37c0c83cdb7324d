using System.Buffers;

namespace StackBgp.Routing;

/// <summary>
/// Where the RIB has one flush encoded: whole UPDATEs written back to back into a few large segments
/// rather than one small array per attribute set. A full table flushes about a thousand UPDATEs per
/// round; as separate buffers each was an allocation and a trip through the session's two queues, now a
/// segment of up to 64 KiB carries hundreds. As a list it holds the finished segments (call
/// <see cref="Seal"/> before reading it), and counts the messages in each for the senders' counters.
/// <see cref="WireUpdateEncoder"/> writes into it directly; other encoders just add their buffers.
/// </summary>
internal sealed class UpdateBuffers : List<ReadOnlyMemory<byte>>, IBufferWriter<byte>
{
    private const int FirstSegment = 4096;
    private const int Segment = 64 * 1024;

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
        _segment = new byte[Math.Max(need, _segment is null && Count == 0 ? FirstSegment : Segment)];
        _used = 0;
        _start = 0;
        return _segment;
    }

    /// <summary>Ends the current segment: what was written becomes the last buffer of the list.</summary>
    public void Seal() => Cut();

    private void Cut()
    {
        if (_segment is null || _used == _start) return;
        PadCounts();
        Add(_segment.AsMemory(_start, _used - _start));
        _counts.Add(_messagesInSegment);
        _messagesInSegment = 0;
        _start = _used; // the rest of the segment may still take the next flush's first messages
    }

    // Buffers that other encoders added directly count one message each.
    private void PadCounts()
    {
        while (_counts.Count < Count) _counts.Add(1);
    }

    /// <summary>Forgets the buffers (they stay valid for whoever holds them; the free rest of the segment is reused).</summary>
    public new void Clear()
    {
        Seal();
        base.Clear();
        _counts.Clear();
    }
}
