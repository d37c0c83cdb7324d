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
}

/// <summary>One prefix of the Loc-RIB with all its paths (FRR's bgp_dest).</summary>
internal sealed class Destination(Prefix prefix)
{
    public readonly Prefix Prefix = prefix;
    public RoutePath[] Paths = [];
    public int Count;

    /// <summary>Index of the best path in <see cref="Paths"/>, -1 when none.</summary>
    public int Best = -1;
    public BestPathReason Reason;
    public bool Dirty;

    /// <summary>What the last decision published (change detection for export and FIB).</summary>
    public PathAttributes? BestAttrs;
    public PeerState? BestPeer;
    public int FibSignature;
    public bool InFib;

    public ref RoutePath BestPath => ref Paths[Best];

    public int Find(PeerState peer, uint pathId)
    {
        for (int i = 0; i < Count; i++)
            if (ReferenceEquals(Paths[i].Peer, peer) && Paths[i].PathId == pathId) return i;
        return -1;
    }

    public ref RoutePath Add(PeerState peer, uint pathId)
    {
        if (Count == Paths.Length) Array.Resize(ref Paths, Count == 0 ? 1 : Count * 2);
        ref var p = ref Paths[Count++];
        p = default;
        p.Peer = peer;
        p.PathId = pathId;
        return ref p;
    }

    public void RemoveAt(int index)
    {
        Count--;
        if (index < Count) Array.Copy(Paths, index + 1, Paths, index, Count - index);
        Paths[Count] = default;
        if (Best == index) Best = -1;
        else if (Best > index) Best--;
        if (Count == 0) Paths = [];
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

    /// <summary>RFC 8212: true when this eBGP peer has no outbound policy, so nothing is sent.</summary>
    public bool Rfc8212BlocksExport;

    public bool IsReflectorClient => Descriptor?.RouteReflectorClient ?? false;
    public uint RouterId => Descriptor?.RouterId ?? 0;
    public uint PeerAs => Descriptor?.PeerAs ?? 0;
    public int Id => Descriptor?.Id ?? -1;
}
