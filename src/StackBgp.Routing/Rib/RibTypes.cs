using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using StackBgp.Wire;

namespace StackBgp.Routing;

[Flags]
internal enum PathFlags : byte
{
    None = 0,
    /// <summary>Kept from a restarting peer (RFC 4724 §4.2) until its End-of-RIB.</summary>
    Stale = 1,
    /// <summary>In the multipath set of the last decision.</summary>
    Multipath = 2,
    /// <summary>Locally originated aggregate (aggregate-address).</summary>
    Aggregate = 4,
    /// <summary>Long-lived stale (RFC 9494 §4.2): the restart time passed; LLGR_STALE added to the attributes. Stale is set too.</summary>
    LlgrStale = 8,
}

/// <summary>
/// Why an Adj-RIB-In path is not a candidate. Kept with the path so that show and clear soft in can
/// explain and re-evaluate it.
/// </summary>
internal enum Rejection : byte
{
    None = 0,
    Policy = 1,
    Rfc8212 = 2,
    AsLoop = 3,
    OriginatorLoop = 4,
    ClusterLoop = 5,
}

/// <summary>
/// One path of one prefix: the Adj-RIB-In entry (pre-policy attributes) and, when accepted, the
/// post-policy attributes that the decision process uses. Both are interned; 40 bytes per path.
/// </summary>
internal struct RoutePath
{
    public PeerState Peer;
    public PathAttributes PreAttrs;
    /// <summary>Post-policy attributes; null when rejected (<see cref="Rejection"/> says why).</summary>
    public PathAttributes? Attrs;
    public uint PathId;
    /// <summary>When the path last changed, in Unix seconds (show's "Last update"; FRR keeps seconds too).</summary>
    public uint LastUpdate;
    public ushort Weight;
    public PathFlags Flags;
    public Rejection Rejection;

    public readonly bool IsStale => (Flags & PathFlags.Stale) != 0;
    public readonly bool IsLlgrStale => (Flags & PathFlags.LlgrStale) != 0;

    public static uint Seconds(DateTimeOffset time) => (uint)Math.Clamp(time.ToUnixTimeSeconds(), 0, uint.MaxValue);
}

[Flags]
internal enum EntryBits : byte
{
    None = 0,
    /// <summary>The entry holds a prefix of the table (not free, not removed).</summary>
    Live = 1,
    /// <summary>In the actor's dirty list: the decision runs for it at the end of the wake-up.</summary>
    Dirty = 2,
    IsV6 = 4,
    /// <summary>The last decision published a best path (exported, installed).</summary>
    Published = 8,
    /// <summary>The published best path's attributes were replaced, or the path removed, since that decision.</summary>
    BestTouched = 16,
}

/// <summary>
/// The storage of one prefix of the Loc-RIB with all its paths (FRR's bgp_dest). Entries live in large
/// chunks of a <see cref="DestinationTable"/> (no object per prefix: a full table is a few hundred
/// arrays, not a million objects for the GC to promote and mark); <see cref="Destination"/> is the handle.
/// <para>80 bytes, a full table's largest single cost, so nothing is stored twice: the prefix is its two
/// address words (its length and family in the small fields); what the last decision published is the
/// best path itself (<see cref="Destination.BestAttrs"/>; a bit says when that path changed since); and the
/// Adj-RIB-Out is one bit per update group, because a group is always sent the published best path (see
/// <see cref="Destination.IsAdvertised"/>).</para>
/// </summary>
internal struct DestinationEntry
{
    // The first path is held inline (most prefixes have one); the others in Rest.
    public RoutePath First;
    public RoutePath[]? Rest;
    public ulong PrefixHigh;
    public ulong PrefixLow;
    /// <summary>Signature of what the FIB was given (never 0 when installed); 0 when not installed.</summary>
    public int FibSignature;
    /// <summary>Update-group slots (below <see cref="Destination.PendingSlots"/>) that have this prefix in their change list; kept when removed.</summary>
    public ushort Pending;
    /// <summary>Update-group slots (below <see cref="Destination.PendingSlots"/>) this prefix is advertised to.</summary>
    public ushort Advertised;
    public short Count;
    public short Best;
    public BestPathReason Reason;
    public byte PrefixLength;
    public EntryBits Bits;

    public readonly Prefix Prefix => Prefix.FromParts(PrefixHigh, PrefixLow, PrefixLength, (Bits & EntryBits.IsV6) != 0);

    public readonly bool Is(Prefix prefix) =>
        PrefixHigh == prefix.High && PrefixLow == prefix.Low && PrefixLength == prefix.Length && ((Bits & EntryBits.IsV6) != 0) == prefix.IsIpv6;

    /// <summary>An empty entry for <paramref name="prefix"/> (no paths, no best) with the given bits.</summary>
    public static DestinationEntry For(Prefix prefix, EntryBits bits, ushort pending = 0) => new()
    {
        PrefixHigh = prefix.High,
        PrefixLow = prefix.Low,
        PrefixLength = (byte)prefix.Length,
        Bits = bits | (prefix.IsIpv6 ? EntryBits.IsV6 : EntryBits.None),
        Best = -1,
        Pending = pending,
    };
}

/// <summary>
/// One prefix of the Loc-RIB with all its paths: a handle to its entry in a <see cref="DestinationTable"/>.
/// Valid while the prefix is in the table, and until the end of the decision run that removed it (a
/// removed entry is reused only after <see cref="DestinationTable.Recycle"/>).
/// </summary>
internal readonly struct Destination : IEquatable<Destination>
{
    private readonly DestinationEntry[] _chunk;
    private readonly int _index;

    /// <summary>Update-group slots below this have a pending and an advertised bit in the entry (see <see cref="UpdateGroup.MarkChanged"/>).</summary>
    public const int PendingSlots = 16;

    /// <summary>Paths one prefix can hold (the entry counts them in 16 bits).</summary>
    public const int MaxPaths = short.MaxValue;

    internal Destination(DestinationEntry[] chunk, int index)
    {
        _chunk = chunk;
        _index = index;
    }

    private ref DestinationEntry E => ref _chunk[_index];

    /// <summary>The key in its <see cref="DestinationTable"/>.</summary>
    public Prefix Prefix => E.Prefix;
    public int Count => E.Count;

    /// <summary>Index of the best path (see <see cref="At"/>), -1 when none.</summary>
    public int Best
    {
        get => E.Best;
        set => E.Best = checked((short)value);
    }
    public ref BestPathReason Reason => ref E.Reason;

    public bool Dirty
    {
        get => Has(EntryBits.Dirty);
        set => Set(EntryBits.Dirty, value);
    }

    /// <summary>The last decision published a best path; until the next decision it may no longer be <see cref="Best"/> (removed).</summary>
    public bool Published
    {
        get => Has(EntryBits.Published);
        set => Set(EntryBits.Published, value);
    }

    /// <summary>The published best path was removed or its attributes replaced since the last decision.</summary>
    public bool BestTouched
    {
        get => Has(EntryBits.BestTouched);
        set => Set(EntryBits.BestTouched, value);
    }

    /// <summary>The best path's attributes (what the last decision published, once it has run); null when none.</summary>
    public PathAttributes? BestAttrs => Best < 0 ? null : At(Best).Attrs;

    /// <summary>The peer of the best path; null when none.</summary>
    public PeerState? BestPeer => Best < 0 ? null : At(Best).Peer;

    /// <summary>What the FIB was given (0 = not installed).</summary>
    public ref int FibSignature => ref E.FibSignature;
    public bool InFib => E.FibSignature != 0;

    /// <summary>Path <paramref name="i"/> (0 ≤ i &lt; Count).</summary>
    public ref RoutePath At(int i)
    {
        ref var e = ref E;
        return ref i == 0 ? ref e.First : ref e.Rest![i - 1];
    }

    public ref RoutePath BestPath => ref At(Best);

    /// <summary>
    /// Adj-RIB-Out, per update-group slot below <see cref="PendingSlots"/>: whether the prefix is advertised
    /// to the group. What is advertised is always the published best path (every change of it is exported
    /// to every group in the same decision run), so one bit says all; the attributes actually sent are
    /// recomputed from the best path when encoding. Groups from slot 16 on keep their own set
    /// (<see cref="UpdateGroup.IsAdvertised"/>).
    /// </summary>
    public bool IsAdvertised(int slot) => (E.Advertised & (1 << slot)) != 0;

    public void SetAdvertised(int slot, bool advertised)
    {
        ref var e = ref E;
        if (advertised) e.Advertised |= (ushort)(1 << slot);
        else e.Advertised &= (ushort)~(1 << slot);
    }

    public int Find(PeerState peer, uint pathId)
    {
        ref var e = ref E;
        if (e.Count == 0) return -1;
        if (ReferenceEquals(e.First.Peer, peer) && e.First.PathId == pathId) return 0;
        for (int i = 1; i < e.Count; i++)
        {
            ref var p = ref e.Rest![i - 1];
            if (ReferenceEquals(p.Peer, peer) && p.PathId == pathId) return i;
        }
        return -1;
    }

    public ref RoutePath Add(PeerState peer, uint pathId)
    {
        ref var e = ref E;
        if (e.Count == MaxPaths) throw new InvalidOperationException($"more than {MaxPaths} paths for {e.Prefix}");
        if (e.Count > 0 && (e.Rest is null || e.Rest.Length < e.Count)) Array.Resize(ref e.Rest, Math.Max(2, e.Count * 2));
        ref var p = ref At(e.Count++);
        p = default;
        p.Peer = peer;
        p.PathId = pathId;
        return ref p;
    }

    /// <summary>Replaces path <paramref name="i"/>'s post-policy attributes, noting it when that is the published best path.</summary>
    public void SetAttrs(int i, PathAttributes? attrs)
    {
        ref var p = ref At(i);
        if (ReferenceEquals(p.Attrs, attrs)) return;
        if (i == E.Best) BestTouched = true;
        p.Attrs = attrs;
    }

    public void RemoveAt(int index)
    {
        ref var e = ref E;
        e.Count--;
        for (int i = index; i < e.Count; i++) At(i) = At(i + 1);
        At(e.Count) = default;
        if (e.Best == index)
        {
            e.Best = -1;
            e.Bits |= EntryBits.BestTouched;
        }
        else if (e.Best > index) e.Best--;
        if (e.Count <= 1) e.Rest = null;
    }

    /// <summary>True for a handle to the entry of <paramref name="prefix"/>, live or removed but not yet reused.</summary>
    public bool Holds(Prefix prefix) => _chunk is not null && _chunk[_index].Is(prefix);

    public bool IsLive => Has(EntryBits.Live);

    private bool Has(EntryBits bit) => (E.Bits & bit) != 0;

    private void Set(EntryBits bit, bool on)
    {
        ref var e = ref E;
        e.Bits = on ? e.Bits | bit : e.Bits & ~bit;
    }

    /// <summary>Sets the group slot's pending bit; false when it was already set.</summary>
    public bool SetPending(int slot)
    {
        ref var e = ref E;
        ushort bit = (ushort)(1 << slot);
        if ((e.Pending & bit) != 0) return false;
        e.Pending |= bit;
        return true;
    }

    public bool IsPending(int slot) => (E.Pending & (1 << slot)) != 0;

    /// <summary>Clears the group slot's pending bit; false when it was not set.</summary>
    public bool ClearPending(int slot)
    {
        ref var e = ref E;
        ushort bit = (ushort)(1 << slot);
        if ((e.Pending & bit) == 0) return false;
        e.Pending &= (ushort)~bit;
        return true;
    }

    public bool Equals(Destination other) => ReferenceEquals(_chunk, other._chunk) && _index == other._index;
    public override bool Equals(object? obj) => obj is Destination d && Equals(d);
    public override int GetHashCode() => HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(_chunk), _index);
    public static bool operator ==(Destination a, Destination b) => a.Equals(b);
    public static bool operator !=(Destination a, Destination b) => !a.Equals(b);
}

/// <summary>Per-peer state owned by the RIB actor.</summary>
internal sealed class PeerState
{
    public PeerState(PeerDescriptor? descriptor, PeerKind kind)
    {
        Descriptor = descriptor;
        Kind = kind;
        if (descriptor is not null)
        {
            AddressKey = descriptor.AddressKey;
        }
    }

    public PeerDescriptor? Descriptor;
    public PeerKind Kind;
    public UInt128 AddressKey;
    public bool Up;
    public bool MaxPrefixSignalled;

    /// <summary>Adj-RIB-In paths (pre-policy) held for this peer.</summary>
    public int Received;
    /// <summary>Paths that passed import checks and policy.</summary>
    public int Accepted;
    public int DeniedByPolicy;
    public int DeniedByRfc8212;
    public int DeniedByLoop;
    public long UpdatesReceived;
    public long WithdrawsReceived;
    public readonly HashSet<AddressFamily> EndOfRibReceived = [];
    public readonly HashSet<AddressFamily> EndOfRibSent = [];
    public readonly Dictionary<AddressFamily, UpdateGroup> Groups = [];

    // Graceful restart helper state (RFC 4724 §4.2, RFC 9494 §4.2), owned by the actor. A timer fire is
    // posted back with the generation it was armed with; a fire from an older arming is ignored.
    public int GrGeneration;
    public ITimer? RestartTimer;
    public ITimer? StalePathTimer;
    public readonly Dictionary<AddressFamily, ITimer> LongLivedTimers = [];
    /// <summary>Families whose stale routes are in the long-lived phase.</summary>
    public readonly HashSet<AddressFamily> LongLivedStale = [];
    /// <summary>When the session went down with routes kept stale (null when none are kept).</summary>
    public DateTimeOffset? StaleSince;
    /// <summary>The capability the peer announced before it went down (what the stale routes are kept by).</summary>
    public PeerGracefulRestart? LastGracefulRestart;

    /// <summary>RFC 8212: true when this eBGP peer has no outbound policy, so nothing is sent.</summary>
    public bool Rfc8212BlocksExport;

    public bool IsReflectorClient => Descriptor?.RouteReflectorClient ?? false;
    public uint RouterId => Descriptor?.RouterId ?? 0;
    public uint PeerAs => Descriptor?.PeerAs ?? 0;
    public int Id => Descriptor?.Id ?? -1;
}

/// <summary>
/// The destinations of one address family, keyed by prefix. Entries are stored in chunks of
/// <see cref="ChunkSize"/> (large-object arrays: allocated once, never copied or promoted by the GC);
/// the index is an open-addressing table (linear probing, backward-shift deletion) of 4-byte slots, each
/// 8 bits of the prefix's hash and its entry number, at most 3/4 full, so a lookup costs one slot read
/// and, but for one in 256 collisions, one entry read. Removed entries are kept (their prefix still
/// readable through old handles) until <see cref="Recycle"/> and until no update group has them in its
/// change list. Like the BCL collections, enumerating <see cref="Values"/> while the table changes throws.
/// </summary>
internal sealed class DestinationTable
{
    internal const int ChunkShift = 11;
    internal const int ChunkSize = 1 << ChunkShift;

    /// <summary>Prefixes one table can hold: the slot has 24 bits for the entry number.</summary>
    public const int MaxEntries = (1 << EntryBitCount) - 2;

    private const int EntryBitCount = 24;
    private const uint EntryMask = (1u << EntryBitCount) - 1;

    // Slot: tag (the hash's top 8 bits) << 24 | (entry number + 1); 0 = empty. Outside the GC heap (they
    // hold no references): when the index doubles, the old one is freed at once instead of lying in the
    // large object heap until a full collection (4 MiB, then 8, ... during a full table's arrival). A
    // slot's home (hash & mask) is recomputed from its entry's prefix when needed (deletion, growth).
    private NativeSlots _slots = new(16);
    private DestinationEntry[][] _chunks = [];
    private int _used;                 // entry numbers handed out so far (high-water mark)
    private readonly Stack<int> _free = new();
    private readonly List<int> _removed = [];
    private readonly int _maxEntries;
    private int _count;
    private int _version;

    /// <summary>A table for at most <paramref name="maxEntries"/> prefixes (tests use fewer than <see cref="MaxEntries"/>).</summary>
    public DestinationTable(int maxEntries = MaxEntries) => _maxEntries = Math.Clamp(maxEntries, 1, MaxEntries);

    public int Count => _count;

    /// <summary>Bytes of the index's slots (native memory).</summary>
    public long IndexBytes => (long)_slots.Length * sizeof(uint);

    public IEnumerable<Destination> Values
    {
        get
        {
            int version = _version;
            int used = _used;
            for (int n = 0; n < used; n++)
            {
                var chunk = _chunks[n >> ChunkShift];
                int i = n & (ChunkSize - 1);
                if ((chunk[i].Bits & EntryBits.Live) == 0) continue;
                if (version != _version) throw new InvalidOperationException("the destination table changed during enumeration");
                yield return new Destination(chunk, i);
            }
        }
    }

    public bool TryGetValue(Prefix prefix, out Destination destination)
    {
        int s = Find(prefix, prefix.GetHashCode());
        if (s < 0)
        {
            destination = default;
            return false;
        }
        destination = Handle(EntryOf(_slots.Span[s]));
        return true;
    }

    public Destination this[Prefix prefix] => TryGetValue(prefix, out var d) ? d : throw new KeyNotFoundException(prefix.ToString());

    /// <summary>The destination of <paramref name="prefix"/>, added when missing; false when the table is full (<see cref="MaxEntries"/>).</summary>
    public bool TryGetOrAdd(Prefix prefix, out Destination destination)
    {
        int hash = prefix.GetHashCode();
        int i = Probe(prefix, hash, out bool found);
        var slots = _slots.Span;
        if (found)
        {
            destination = Handle(EntryOf(slots[i]));
            return true;
        }
        if (_free.Count == 0 && _used >= _maxEntries)
        {
            destination = default;
            return false;
        }
        int entry = NewEntry(prefix);
        slots[i] = Tag(hash) | (uint)(entry + 1);
        _version++;
        if (++_count > slots.Length / 4 * 3) Grow();
        destination = Handle(entry);
        return true;
    }

    public bool Remove(Prefix prefix)
    {
        int i = Find(prefix, prefix.GetHashCode());
        if (i < 0) return false;
        var slots = _slots.Span;
        int entry = EntryOf(slots[i]);
        // Backward-shift deletion: pull later members of the probe run into the hole so that lookups
        // never need tombstones.
        int mask = slots.Length - 1;
        int j = i;
        while (true)
        {
            j = (j + 1) & mask;
            if (slots[j] == 0) break;
            int home = EntryAt(EntryOf(slots[j])).Prefix.GetHashCode() & mask;
            if (!LinearProbing.CanFill(i, j, home)) continue;
            slots[i] = slots[j];
            i = j;
        }
        slots[i] = 0;
        // The entry keeps its prefix (a handle held by the caller still reads it) but lets go of
        // everything else; it is reused after Recycle.
        ref var e = ref EntryAt(entry);
        e = DestinationEntry.For(e.Prefix, EntryBits.None, e.Pending);
        _removed.Add(entry);
        _count--;
        _version++;
        return true;
    }

    /// <summary>
    /// Makes the entries removed so far reusable (old handles to them become invalid), except those still
    /// in an update group's change list: they wait for a later call.
    /// </summary>
    public void Recycle()
    {
        int kept = 0;
        for (int k = 0; k < _removed.Count; k++)
        {
            int n = _removed[k];
            if (EntryAt(n).Pending != 0) _removed[kept++] = n;
            else _free.Push(n);
        }
        _removed.RemoveRange(kept, _removed.Count - kept);
    }

    /// <summary>
    /// Cache hint, first of two passes over a batch of prefixes about to be looked up: loads the index slot
    /// each starts at. A full table is far larger than the caches, and prefixes arrive in no useful order,
    /// so without it every lookup waits for memory twice (slot, then entry) one after the other; hinted,
    /// the loads of a whole batch overlap.
    /// </summary>
    public unsafe void PrefetchSlot(Prefix prefix)
    {
        if (!Sse.IsSupported) return;
        var slots = _slots.Span;
        Sse.Prefetch0(Unsafe.AsPointer(ref slots[prefix.GetHashCode() & (slots.Length - 1)]));
    }

    /// <summary>Cache hint, second pass: loads the entry the prefix's slot names (after <see cref="PrefetchSlot"/>).</summary>
    public unsafe void PrefetchEntry(Prefix prefix)
    {
        if (!Sse.IsSupported) return;
        int hash = prefix.GetHashCode();
        uint tag = Tag(hash);
        var slots = _slots.Span;
        int mask = slots.Length - 1;
        int i = hash & mask;
        for (int probe = 0; probe < 4; probe++)
        {
            uint s = slots[i];
            if (s == 0) return;
            if ((s & ~EntryMask) == tag)
            {
                Sse.Prefetch0(Unsafe.AsPointer(ref EntryAt(EntryOf(s))));
                return;
            }
            i = (i + 1) & mask;
        }
    }

    private int NewEntry(Prefix prefix)
    {
        int n;
        if (!_free.TryPop(out n))
        {
            n = _used++;
            int c = n >> ChunkShift;
            if (c == _chunks.Length) Array.Resize(ref _chunks, Math.Max(4, _chunks.Length * 2));
            if (_chunks[c] is null)
            {
                _chunks[c] = new DestinationEntry[ChunkSize];
                LargeArrays.Prepare(_chunks[c]);
            }
        }
        EntryAt(n) = DestinationEntry.For(prefix, EntryBits.Live);
        return n;
    }

    private ref DestinationEntry EntryAt(int n) => ref _chunks[n >> ChunkShift][n & (ChunkSize - 1)];

    private Destination Handle(int n) => new(_chunks[n >> ChunkShift], n & (ChunkSize - 1));

    private static uint Tag(int hash) => (uint)hash & ~EntryMask;

    private static int EntryOf(uint slot) => (int)(slot & EntryMask) - 1;

    private int Find(Prefix prefix, int hash)
    {
        int i = Probe(prefix, hash, out bool found);
        return found ? i : -1;
    }

    /// <summary>The slot holding <paramref name="prefix"/> (<paramref name="found"/>), or the empty slot that ends its probe run.</summary>
    private int Probe(Prefix prefix, int hash, out bool found)
    {
        uint tag = Tag(hash);
        var slots = _slots.Span;
        int mask = slots.Length - 1;
        int i = hash & mask;
        uint s;
        while ((s = slots[i]) != 0)
        {
            if ((s & ~EntryMask) == tag && EntryAt(EntryOf(s)).Is(prefix))
            {
                found = true;
                return i;
            }
            i = (i + 1) & mask;
        }
        found = false;
        return i;
    }

    /// <summary>Doubles the index. The slots hold no full hash, so the live entries are re-hashed, read in order (the chunks stream through the cache) rather than through the old slots.</summary>
    private void Grow()
    {
        var old = _slots;
        var grown = new NativeSlots(old.Length * 2);
        var slots = grown.Span;
        int mask = slots.Length - 1;
        for (int n = 0; n < _used; n++)
        {
            ref var e = ref EntryAt(n);
            if ((e.Bits & EntryBits.Live) == 0) continue;
            int hash = e.Prefix.GetHashCode();
            int i = hash & mask;
            while (slots[i] != 0) i = (i + 1) & mask;
            slots[i] = Tag(hash) | (uint)(n + 1);
        }
        _slots = grown;
        old.Dispose();
    }

    /// <summary>
    /// The index's slots in native memory, zeroed (see <see cref="LargeArrays.AllocateNative"/>), freed by
    /// <see cref="Dispose"/> (on growth) or when the table is collected. Only the table's own (RIB actor)
    /// thread touches them.
    /// </summary>
    private sealed unsafe class NativeSlots : IDisposable
    {
        private uint* _pointer;

        public NativeSlots(int length)
        {
            Length = length;
            _pointer = (uint*)LargeArrays.AllocateNative((nuint)length * sizeof(uint));
        }

        public int Length { get; }

        public Span<uint> Span => new(_pointer, _pointer is null ? throw new ObjectDisposedException(nameof(NativeSlots)) : Length);

        public void Dispose()
        {
            Free();
            GC.SuppressFinalize(this);
        }

        ~NativeSlots() => Free();

        private void Free()
        {
            if (_pointer is null) return;
            LargeArrays.FreeNative(_pointer);
            _pointer = null;
        }
    }
}
