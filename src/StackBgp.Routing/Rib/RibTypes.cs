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

/// <summary>One prefix of the Loc-RIB with all its paths (FRR's bgp_dest).</summary>
internal sealed class Destination(Prefix prefix)
{
    /// <summary>The key in its <see cref="DestinationTable"/>.</summary>
    public readonly Prefix Prefix = prefix;
    // The first path is held inline (most prefixes have one); the others in _rest.
    private RoutePath _first;
    private RoutePath[]? _rest;
    public int Count;

    /// <summary>Path <paramref name="i"/> (0 ≤ i &lt; Count).</summary>
    public ref RoutePath At(int i) => ref i == 0 ? ref _first : ref _rest![i - 1];

    /// <summary>Index of the best path (see <see cref="At"/>), -1 when none.</summary>
    public int Best = -1;
    public BestPathReason Reason;
    public bool Dirty;

    /// <summary>What the last decision published (change detection for export and FIB).</summary>
    public PathAttributes? BestAttrs;
    public PeerState? BestPeer;
    public int FibSignature;
    public bool InFib;

    /// <summary>
    /// Adj-RIB-Out, per update-group slot: the Loc-RIB attributes that were exported to the group (null =
    /// nothing advertised). The attributes actually sent are recomputed from them when encoding, so no
    /// per-prefix copy of the outbound attributes is kept (8 bytes per prefix per group).
    /// </summary>
    public PathAttributes? Out0;
    public PathAttributes? Out1;
    public PathAttributes?[]? OutMore;

    public ref PathAttributes? Out(int slot)
    {
        if (slot == 0) return ref Out0;
        if (slot == 1) return ref Out1;
        if (OutMore is null || OutMore.Length < slot - 1) Array.Resize(ref OutMore, Math.Max(slot - 1, 2));
        return ref OutMore[slot - 2];
    }

    public PathAttributes? GetOut(int slot) => slot switch
    {
        0 => Out0,
        1 => Out1,
        _ => OutMore is { } m && m.Length > slot - 2 ? m[slot - 2] : null,
    };

    public ref RoutePath BestPath => ref At(Best);

    public int Find(PeerState peer, uint pathId)
    {
        for (int i = 0; i < Count; i++)
        {
            ref var p = ref At(i);
            if (ReferenceEquals(p.Peer, peer) && p.PathId == pathId) return i;
        }
        return -1;
    }

    public ref RoutePath Add(PeerState peer, uint pathId)
    {
        if (Count > 0 && (_rest is null || _rest.Length < Count)) Array.Resize(ref _rest, Math.Max(2, Count * 2));
        ref var p = ref At(Count++);
        p = default;
        p.Peer = peer;
        p.PathId = pathId;
        return ref p;
    }

    public void RemoveAt(int index)
    {
        Count--;
        for (int i = index; i < Count; i++) At(i) = At(i + 1);
        At(Count) = default;
        if (Best == index) Best = -1;
        else if (Best > index) Best--;
        if (Count <= 1) _rest = null;
    }
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
/// The destinations of one address family, keyed by prefix: an open-addressing table (linear probing,
/// backward-shift deletion) of destination references with their cached hashes — 12 bytes per slot, at
/// most 3/4 full, one probe sequence for a lookup-or-insert. The prefix lives only in the destination.
/// Like the BCL collections, enumerating <see cref="Values"/> while the table changes throws.
/// </summary>
internal sealed class DestinationTable
{
    private Destination?[] _slots = new Destination?[16];
    private int[] _hashes = new int[16];
    private int _count;
    private int _version;

    public int Count => _count;

    public IEnumerable<Destination> Values
    {
        get
        {
            int version = _version;
            var slots = _slots;
            for (int i = 0; i < slots.Length; i++)
            {
                if (slots[i] is not { } d) continue;
                if (version != _version) throw new InvalidOperationException("the destination table changed during enumeration");
                yield return d;
            }
        }
    }

    public bool TryGetValue(Prefix prefix, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Destination? destination)
    {
        int i = Find(prefix, prefix.GetHashCode());
        destination = i >= 0 ? _slots[i] : null;
        return destination is not null;
    }

    public Destination this[Prefix prefix] => TryGetValue(prefix, out var d) ? d : throw new KeyNotFoundException(prefix.ToString());

    public Destination GetOrAdd(Prefix prefix)
    {
        int hash = prefix.GetHashCode();
        int mask = _slots.Length - 1;
        int i = hash & mask;
        while (_slots[i] is { } d)
        {
            if (_hashes[i] == hash && d.Prefix == prefix) return d;
            i = (i + 1) & mask;
        }
        var added = new Destination(prefix);
        _slots[i] = added;
        _hashes[i] = hash;
        _version++;
        if (++_count > _slots.Length / 4 * 3) Grow();
        return added;
    }

    public bool Remove(Prefix prefix)
    {
        int i = Find(prefix, prefix.GetHashCode());
        if (i < 0) return false;
        // Backward-shift deletion: pull later members of the probe run into the hole so that lookups
        // never need tombstones.
        int mask = _slots.Length - 1;
        int j = i;
        while (true)
        {
            j = (j + 1) & mask;
            if (_slots[j] is null) break;
            int home = _hashes[j] & mask;
            bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
            if (!movable) continue;
            _slots[i] = _slots[j];
            _hashes[i] = _hashes[j];
            i = j;
        }
        _slots[i] = null;
        _hashes[i] = 0;
        _count--;
        _version++;
        return true;
    }

    private int Find(Prefix prefix, int hash)
    {
        int mask = _slots.Length - 1;
        int i = hash & mask;
        while (_slots[i] is { } d)
        {
            if (_hashes[i] == hash && d.Prefix == prefix) return i;
            i = (i + 1) & mask;
        }
        return -1;
    }

    private void Grow()
    {
        var oldSlots = _slots;
        var oldHashes = _hashes;
        _slots = new Destination?[oldSlots.Length * 2];
        _hashes = new int[oldSlots.Length * 2];
        int mask = _slots.Length - 1;
        for (int k = 0; k < oldSlots.Length; k++)
        {
            if (oldSlots[k] is not { } d) continue;
            int i = oldHashes[k] & mask;
            while (_slots[i] is not null) i = (i + 1) & mask;
            _slots[i] = d;
            _hashes[i] = oldHashes[k];
        }
    }
}
