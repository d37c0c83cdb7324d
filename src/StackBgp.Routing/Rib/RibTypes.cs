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
    /// <summary>The key; only the lookup probe of <see cref="DestinationTable"/> ever changes it.</summary>
    public Prefix Prefix = prefix;
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
/// The destinations of one address family, keyed by prefix. A set of <see cref="Destination"/>s (the
/// prefix lives only in the destination) rather than a dictionary, which would store the 24-byte key
/// a second time per prefix.
/// </summary>
internal sealed class DestinationTable
{
    private sealed class ByPrefix : IEqualityComparer<Destination>
    {
        public bool Equals(Destination? x, Destination? y) => x!.Prefix == y!.Prefix;
        public int GetHashCode(Destination obj) => obj.Prefix.GetHashCode();
    }

    private readonly HashSet<Destination> _set = new(new ByPrefix());
    private readonly Destination _probe = new(default);

    public int Count => _set.Count;
    public IEnumerable<Destination> Values => _set;

    public bool TryGetValue(Prefix prefix, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Destination? destination)
    {
        _probe.Prefix = prefix;
        return _set.TryGetValue(_probe, out destination);
    }

    public Destination this[Prefix prefix] => TryGetValue(prefix, out var d) ? d : throw new KeyNotFoundException(prefix.ToString());

    public Destination GetOrAdd(Prefix prefix)
    {
        if (TryGetValue(prefix, out var d)) return d;
        d = new Destination(prefix);
        _set.Add(d);
        return d;
    }

    public bool Remove(Prefix prefix)
    {
        _probe.Prefix = prefix;
        return _set.Remove(_probe);
    }
}
