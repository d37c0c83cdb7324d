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
/// post-policy attributes that the decision process uses. Both are interned; 48 bytes per path.
/// </summary>
internal struct RoutePath
{
    public PeerState Peer;
    public PathAttributes PreAttrs;
    /// <summary>Post-policy attributes; null when rejected (<see cref="Rejection"/> says why).</summary>
    public PathAttributes? Attrs;
    public long LastUpdate;
    public uint PathId;
    public ushort Weight;
    public PathFlags Flags;
    public Rejection Rejection;

    public readonly bool IsStale => (Flags & PathFlags.Stale) != 0;
    public readonly bool IsLlgrStale => (Flags & PathFlags.LlgrStale) != 0;
}

/// <summary>
/// The storage of one prefix of the Loc-RIB with all its paths (FRR's bgp_dest). Entries live in large
/// chunks of a <see cref="DestinationTable"/> (no object per prefix: a full table is a few hundred
/// arrays, not a million objects for the GC to promote and mark); <see cref="Destination"/> is the handle.
/// </summary>
internal struct DestinationEntry
{
    public Prefix Prefix;
    // The first path is held inline (most prefixes have one); the others in Rest.
    public RoutePath First;
    public RoutePath[]? Rest;
    // 16-bit counts and a 32-bit pending mask keep the entry at 128 bytes (136 with ints and 64 bits).
    public short Count;
    public short Best;
    public BestPathReason Reason;
    public bool Dirty;
    public bool Live;
    public bool InFib;
    public int FibSignature;
    /// <summary>Update-group slots (below <see cref="Destination.PendingSlots"/>) that have this prefix in their change list; kept when removed.</summary>
    public uint Pending;
    public PathAttributes? BestAttrs;
    public PeerState? BestPeer;
    public PathAttributes? Out0;
    public PathAttributes? Out1;
    public PathAttributes?[]? OutMore;
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

    /// <summary>Update-group slots below this have a pending bit in the entry (see <see cref="UpdateGroup.MarkChanged"/>).</summary>
    public const int PendingSlots = 32;

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
    public ref bool Dirty => ref E.Dirty;

    /// <summary>What the last decision published (change detection for export and FIB).</summary>
    public ref PathAttributes? BestAttrs => ref E.BestAttrs;
    public ref PeerState? BestPeer => ref E.BestPeer;
    public ref int FibSignature => ref E.FibSignature;
    public ref bool InFib => ref E.InFib;

    /// <summary>Path <paramref name="i"/> (0 ≤ i &lt; Count).</summary>
    public ref RoutePath At(int i)
    {
        ref var e = ref E;
        return ref i == 0 ? ref e.First : ref e.Rest![i - 1];
    }

    public ref RoutePath BestPath => ref At(Best);

    /// <summary>
    /// Adj-RIB-Out, per update-group slot: the Loc-RIB attributes that were exported to the group (null =
    /// nothing advertised). The attributes actually sent are recomputed from them when encoding, so no
    /// per-prefix copy of the outbound attributes is kept (8 bytes per prefix per group).
    /// </summary>
    public ref PathAttributes? Out(int slot)
    {
        ref var e = ref E;
        if (slot == 0) return ref e.Out0;
        if (slot == 1) return ref e.Out1;
        if (e.OutMore is null || e.OutMore.Length < slot - 1) Array.Resize(ref e.OutMore, Math.Max(slot - 1, 2));
        return ref e.OutMore[slot - 2];
    }

    public PathAttributes? GetOut(int slot)
    {
        ref var e = ref E;
        return slot switch
        {
            0 => e.Out0,
            1 => e.Out1,
            _ => e.OutMore is { } m && m.Length > slot - 2 ? m[slot - 2] : null,
        };
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

    public void RemoveAt(int index)
    {
        ref var e = ref E;
        e.Count--;
        for (int i = index; i < e.Count; i++) At(i) = At(i + 1);
        At(e.Count) = default;
        if (e.Best == index) e.Best = -1;
        else if (e.Best > index) e.Best--;
        if (e.Count <= 1) e.Rest = null;
    }

    /// <summary>True for a handle to the entry of <paramref name="prefix"/>, live or removed but not yet reused.</summary>
    public bool Holds(Prefix prefix) => _chunk is not null && _chunk[_index].Prefix == prefix;

    public bool IsLive => E.Live;

    /// <summary>Sets the group slot's pending bit; false when it was already set.</summary>
    public bool SetPending(int slot)
    {
        ref var e = ref E;
        uint bit = 1U << slot;
        if ((e.Pending & bit) != 0) return false;
        e.Pending |= bit;
        return true;
    }

    public bool IsPending(int slot) => (E.Pending & (1U << slot)) != 0;

    /// <summary>Clears the group slot's pending bit; false when it was not set.</summary>
    public bool ClearPending(int slot)
    {
        ref var e = ref E;
        uint bit = 1U << slot;
        if ((e.Pending & bit) == 0) return false;
        e.Pending &= ~bit;
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
/// the index is an open-addressing table (linear probing, backward-shift deletion) of 8-byte slots, each
/// the prefix's hash and its entry number, at most 3/4 full, so a lookup costs one slot read and one entry
/// read. Removed entries are kept (their prefix still readable through old handles) until
/// <see cref="Recycle"/> and until no update group has them in its change list. Like the BCL collections, enumerating <see cref="Values"/> while the table
/// changes throws.
/// </summary>
internal sealed class DestinationTable
{
    internal const int ChunkShift = 11;
    internal const int ChunkSize = 1 << ChunkShift;

    // Slot: (ulong)(uint)hash << 32 | (entry number + 1); 0 = empty. Outside the GC heap (they hold no
    // references): when the index doubles, the old one is freed at once instead of lying in the large
    // object heap until a full collection (8 MiB, then 16, ... during a full table's arrival).
    private NativeSlots _slots = new(16);
    private DestinationEntry[][] _chunks = [];
    private int _used;                 // entry numbers handed out so far (high-water mark)
    private readonly Stack<int> _free = new();
    private readonly List<int> _removed = [];
    private int _count;
    private int _version;

    public int Count => _count;

    /// <summary>Bytes of the index's slots (native memory).</summary>
    public long IndexBytes => (long)_slots.Length * sizeof(ulong);

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
                if (!chunk[i].Live) continue;
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

    public Destination GetOrAdd(Prefix prefix)
    {
        int hash = prefix.GetHashCode();
        int i = Probe(prefix, hash, out bool found);
        var slots = _slots.Span;
        if (found) return Handle(EntryOf(slots[i]));
        int entry = NewEntry(prefix);
        slots[i] = ((ulong)(uint)hash << 32) | (uint)(entry + 1);
        _version++;
        if (++_count > slots.Length / 4 * 3) Grow();
        return Handle(entry);
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
            int home = (int)(slots[j] >> 32) & mask;
            bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
            if (!movable) continue;
            slots[i] = slots[j];
            i = j;
        }
        slots[i] = 0;
        // The entry keeps its prefix (a handle held by the caller still reads it) but lets go of
        // everything else; it is reused after Recycle.
        ref var e = ref _chunks[entry >> ChunkShift][entry & (ChunkSize - 1)];
        e = new DestinationEntry { Prefix = e.Prefix, Best = -1, Pending = e.Pending };
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
            if (_chunks[n >> ChunkShift][n & (ChunkSize - 1)].Pending != 0) _removed[kept++] = n;
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
        ulong tag = (ulong)(uint)hash << 32;
        var slots = _slots.Span;
        int mask = slots.Length - 1;
        int i = hash & mask;
        for (int probe = 0; probe < 4; probe++)
        {
            ulong s = slots[i];
            if (s == 0) return;
            if ((s & 0xFFFFFFFF00000000UL) == tag)
            {
                int n = EntryOf(s);
                Sse.Prefetch0(Unsafe.AsPointer(ref _chunks[n >> ChunkShift][n & (ChunkSize - 1)]));
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
        _chunks[n >> ChunkShift][n & (ChunkSize - 1)] = new DestinationEntry { Prefix = prefix, Best = -1, Live = true };
        return n;
    }

    private Destination Handle(int n) => new(_chunks[n >> ChunkShift], n & (ChunkSize - 1));

    private static int EntryOf(ulong slot) => (int)(uint)slot - 1;

    private int Find(Prefix prefix, int hash)
    {
        int i = Probe(prefix, hash, out bool found);
        return found ? i : -1;
    }

    /// <summary>The slot holding <paramref name="prefix"/> (<paramref name="found"/>), or the empty slot that ends its probe run.</summary>
    private int Probe(Prefix prefix, int hash, out bool found)
    {
        ulong tag = (ulong)(uint)hash << 32;
        var slots = _slots.Span;
        int mask = slots.Length - 1;
        int i = hash & mask;
        ulong s;
        while ((s = slots[i]) != 0)
        {
            if ((s & 0xFFFFFFFF00000000UL) == tag)
            {
                int n = EntryOf(s);
                if (_chunks[n >> ChunkShift][n & (ChunkSize - 1)].Prefix == prefix)
                {
                    found = true;
                    return i;
                }
            }
            i = (i + 1) & mask;
        }
        found = false;
        return i;
    }

    private void Grow()
    {
        var old = _slots;
        var grown = new NativeSlots(old.Length * 2);
        var slots = grown.Span;
        int mask = slots.Length - 1;
        foreach (ulong s in old.Span)
        {
            if (s == 0) continue;
            int i = (int)(s >> 32) & mask;
            while (slots[i] != 0) i = (i + 1) & mask;
            slots[i] = s;
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
        private ulong* _pointer;

        public NativeSlots(int length)
        {
            Length = length;
            _pointer = (ulong*)LargeArrays.AllocateNative((nuint)length * sizeof(ulong));
        }

        public int Length { get; }

        public Span<ulong> Span => new(_pointer, _pointer is null ? throw new ObjectDisposedException(nameof(NativeSlots)) : Length);

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
