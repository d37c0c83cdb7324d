using System.Collections.Immutable;
using System.Net;
using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary>Everything the RIB actor is told. Sent through <see cref="RibActor.PostAsync"/> / <see cref="RibActor.TryPost"/>.</summary>
public abstract record RibCommand
{
    /// <summary>A session reached Established: the peer joins its update groups and gets the table, then End-of-RIB.</summary>
    public sealed record PeerUp(PeerDescriptor Peer) : RibCommand;

    /// <summary>A session left Established. With <paramref name="KeepStale"/> (graceful restart helper, RFC 4724 §4.2) its routes stay, marked stale, until its End-of-RIB or another PeerDown.</summary>
    public sealed record PeerDown(int PeerId, bool KeepStale = false) : RibCommand;

    /// <summary>New descriptor for an up peer (policy changed, next-hop-self, RR client…): import re-evaluated from the kept pre-policy routes, export recomputed.</summary>
    public sealed record PeerChanged(PeerDescriptor Peer) : RibCommand;

    /// <summary>Decoded UPDATEs from one peer (many messages per command). Sessions post these with
    /// <see cref="RibActor.PostUpdateAsync"/>, which bounds how many are queued.</summary>
    public sealed record Update(int PeerId, InboundBatch Batch) : RibCommand
    {
        /// <summary>Holds one of the actor's update credits, returned when the batch has been applied.</summary>
        internal bool Credited { get; init; }
    }

    /// <summary>End-of-RIB from the peer for a family (RFC 4724 §2): stale routes of that family are swept.</summary>
    public sealed record EndOfRib(int PeerId, AddressFamily Family) : RibCommand;

    /// <summary>ROUTE-REFRESH received: re-send the family from Adj-RIB-Out (with BoRR/EoRR when enhanced, RFC 7313 §4).</summary>
    public sealed record RouteRefresh(int PeerId, AddressFamily Family) : RibCommand;

    /// <summary><c>clear bgp X soft in|out</c>: in = re-run import over kept pre-policy routes; out = recompute and re-send everything.</summary>
    public sealed record ClearSoft(int PeerId, bool In, bool Out) : RibCommand;

    /// <summary>Adds or replaces a locally originated route (network, static, connected, API, OVN).</summary>
    public sealed record AddLocalRoute(LocalRoute Route) : RibCommand;

    public sealed record RemoveLocalRoute(Prefix Prefix, LocalRouteSource Source) : RibCommand;

    /// <summary>Next-hop tracking: reachability and IGP metric of a next hop (from the kernel/FIB side).</summary>
    public sealed record NexthopChanged(IPAddress NextHop, bool Reachable, uint Metric) : RibCommand;

    /// <summary>Replaces the instance-wide options (best-path knobs, maximum-paths, aggregates, graceful-shutdown…): everything is re-decided and re-exported.</summary>
    public sealed record OptionsChanged(RibOptions Options) : RibCommand;

    internal sealed record Query(Action<RibActor> Run) : RibCommand;

    /// <summary>A graceful-restart timer of a peer (or of the instance, peer -1) fired; ignored when re-armed since.</summary>
    internal sealed record GrTimerFired(int PeerId, GrTimer Timer, int Generation, AddressFamily Family) : RibCommand;

    internal sealed record FlushGroups : RibCommand;
}

/// <summary>The graceful-restart timers the RIB runs.</summary>
internal enum GrTimer : byte
{
    /// <summary>The peer's restart time: its session did not come back in time.</summary>
    Restart,
    /// <summary>stalepath-time: the peer is back but did not send End-of-RIB in time.</summary>
    StalePath,
    /// <summary>The long-lived stale time of one family ran out (RFC 9494 §4.2).</summary>
    LongLived,
    /// <summary>select-defer-time of a restarting instance.</summary>
    SelectDefer,
}

/// <summary>Where a locally originated route comes from; one path per source per prefix.</summary>
public enum LocalRouteSource : byte
{
    /// <summary><c>network PREFIX</c> (origin IGP).</summary>
    Network = 1,
    /// <summary><c>redistribute static</c> / <c>ip route</c> (origin incomplete).</summary>
    Static = 2,
    /// <summary><c>redistribute connected</c> (origin incomplete).</summary>
    Connected = 3,
    /// <summary>API prefix sets / VIPs.</summary>
    Api = 4,
    /// <summary>OVN Southbound watcher.</summary>
    Ovn = 5,
    /// <summary><c>redistribute kernel</c>.</summary>
    Kernel = 6,
}

/// <summary>
/// A locally originated route. Weight 32768 (as FRR), empty AS path, next hop 0.0.0.0/:: (sent as self).
/// </summary>
public sealed record LocalRoute(Prefix Prefix, LocalRouteSource Source)
{
    public Origin Origin { get; init; } = Origin.Igp;
    public uint? Med { get; init; }
    public ImmutableArray<uint> Communities { get; init; } = [];
    public ImmutableArray<LargeCommunity> LargeCommunities { get; init; } = [];
    /// <summary>Applied when the route enters BGP (<c>redistribute … route-map</c>, <c>network … route-map</c>).</summary>
    public IRoutePolicy? RouteMap { get; init; }

    /// <summary><c>network</c>: origin IGP. <c>redistribute</c>: origin incomplete (as FRR).</summary>
    public static LocalRoute Network(Prefix prefix) => new(prefix, LocalRouteSource.Network) { Origin = Origin.Igp, Med = 0 };
    public static LocalRoute Redistributed(Prefix prefix, LocalRouteSource source, uint metric = 0) =>
        new(prefix, source) { Origin = Origin.Incomplete, Med = metric };
}

/// <summary><c>aggregate-address PREFIX [as-set] [summary-only]</c>.</summary>
public sealed record AggregateAddress(Prefix Prefix, bool SummaryOnly = false, bool AsSet = false);

/// <summary>The RIB instance's options (one BGP instance). Changed with <see cref="RibCommand.OptionsChanged"/>.</summary>
public sealed record RibOptions
{
    public required uint LocalAs { get; init; }

    /// <summary>Our BGP identifier (host order).</summary>
    public required uint RouterId { get; init; }

    /// <summary><c>bgp cluster-id</c>; null = router id (RFC 4456 §7).</summary>
    public uint? ClusterId { get; init; }

    public BestPathOptions BestPath { get; init; } = BestPathOptions.Default;

    /// <summary>maximum-paths per family; families not listed use 1/1.</summary>
    public ImmutableDictionary<AddressFamily, MaxPaths> MaxPaths { get; init; } = ImmutableDictionary<AddressFamily, MaxPaths>.Empty;

    /// <summary>RFC 8212 (FRR default on): eBGP peers without policy exchange nothing. False = <c>no bgp ebgp-requires-policy</c>.</summary>
    public bool EbgpRequiresPolicy { get; init; } = true;

    /// <summary><c>bgp graceful-shutdown</c> (RFC 8326): GRACEFUL_SHUTDOWN community on everything sent, LOCAL_PREF 0 towards iBGP.</summary>
    public bool GracefulShutdown { get; init; }

    /// <summary>Set LOCAL_PREF 0 on received routes carrying GRACEFUL_SHUTDOWN (RFC 8326 §4.2, what an operator's policy would do).</summary>
    public bool HonorGracefulShutdown { get; init; } = true;

    public ImmutableArray<AggregateAddress> Aggregates { get; init; } = [];

    /// <summary>Default 0 for <c>network</c>/redistributed weight is 32768, as FRR.</summary>
    public ushort LocalWeight { get; init; } = 32768;

    /// <summary>
    /// <c>bgp graceful-restart stalepath-time</c> (FRR default 360 s): after a restarted peer is back, how long
    /// its stale routes wait for its End-of-RIB before they are removed (RFC 4724 §4.2).
    /// </summary>
    public TimeSpan StalePathTime { get; init; } = TimeSpan.FromSeconds(360);

    /// <summary>
    /// Restarting speaker (RFC 4724 §4.1): when set, this instance has just restarted with its forwarding state
    /// kept. Until every graceful-restart peer that is up has sent End-of-RIB for its families, or this time
    /// (<c>bgp graceful-restart select-defer-time</c>, FRR default 360 s) has passed since <see cref="RibActor.Start"/>,
    /// nothing is advertised and no End-of-RIB is sent; then every peer gets the table and End-of-RIB and the FIB
    /// sink is told <see cref="IFibSink.Converged"/>. Read once at construction.
    /// </summary>
    public TimeSpan? SelectDeferTime { get; init; }

    public uint EffectiveClusterId => ClusterId ?? RouterId;

    public MaxPaths MaxPathsFor(AddressFamily family) => MaxPaths.TryGetValue(family, out var m) ? m : Routing.MaxPaths.Single;
}

/// <summary>
/// Decoded UPDATE content from one peer, many messages at a time, as the session hands it to the RIB.
/// Prefixes of all messages share one list (no per-message list); the attributes need not be interned
/// (the RIB interns them). Not thread-safe; do not touch after posting.
/// </summary>
public sealed class InboundBatch
{
    private readonly List<Nlri> _nlri;
    private readonly List<Item> _items;

    public InboundBatch(int messageCapacity = 64, int prefixCapacity = 1024)
    {
        _nlri = new List<Nlri>(prefixCapacity);
        _items = new List<Item>(messageCapacity);
    }

    // Batches of a full table hold thousands of prefixes (a 128 KiB array at 4096): allocated per batch they
    // are large objects, and their churn alone (30 MiB per million routes) paces full, blocking collections.
    // The RIB hands applied batches back (cleared: no references to attribute sets stay behind); the
    // sessions take them again.
    private const int PoolFrom = 1024;
    private const int PoolLimit = 32;
    private static readonly System.Collections.Concurrent.ConcurrentQueue<InboundBatch> s_pool = new();
    private static int s_pooled;

    /// <summary>A batch with room for about this many messages and prefixes: a pooled one for big batches.</summary>
    public static InboundBatch Rent(int messageCapacity, int prefixCapacity)
    {
        // A pooled batch even for a small request: a session's batches are cut short whenever its socket is
        // drained, and a small new one that then fills up grows its arrays step by step (garbage at each).
        // At most PoolLimit batches are pooled, so idle peers hold few big ones.
        if (s_pool.TryDequeue(out var pooled))
        {
            Interlocked.Decrement(ref s_pooled);
            return pooled;
        }
        return new InboundBatch(messageCapacity, prefixCapacity);
    }

    /// <summary>Called by the RIB once it has applied the batch (it must not be used after this).</summary>
    internal void Return()
    {
        if (_nlri.Capacity < PoolFrom) return;
        Clear();
        if (Interlocked.Increment(ref s_pooled) > PoolLimit)
        {
            Interlocked.Decrement(ref s_pooled);
            return;
        }
        s_pool.Enqueue(this);
    }

    internal readonly record struct Item(AddressFamily Family, PathAttributes? Attributes, int AnnouncedStart, int AnnouncedCount, int WithdrawnStart, int WithdrawnCount, ErrorAction Action);

    internal List<Item> Items => _items;
    internal List<Nlri> Nlri => _nlri;

    public int MessageCount => _items.Count;
    public int PrefixCount => _nlri.Count;

    /// <summary>
    /// Adds one family's part of one UPDATE. With <see cref="ErrorAction.TreatAsWithdraw"/> (RFC 7606 §2)
    /// the announced prefixes are withdrawn instead. <paramref name="attributes"/> may be null when nothing is announced.
    /// </summary>
    public void Add(AddressFamily family, PathAttributes? attributes, ReadOnlySpan<Nlri> announced, ReadOnlySpan<Nlri> withdrawn, ErrorAction action = ErrorAction.None)
    {
        // The hash is cached in the set: computed here, on the session's thread, the RIB actor's interner
        // lookup (the serial stage) finds it ready.
        if (!announced.IsEmpty) attributes?.GetHashCode();
        int a = _nlri.Count;
        foreach (var n in announced) _nlri.Add(n);
        int w = _nlri.Count;
        foreach (var n in withdrawn) _nlri.Add(n);
        _items.Add(new Item(family, attributes, a, announced.Length, w, withdrawn.Length, action));
    }

    public void Add(AddressFamily family, PathAttributes? attributes, IEnumerable<Nlri> announced, IEnumerable<Nlri> withdrawn, ErrorAction action = ErrorAction.None)
    {
        ArgumentNullException.ThrowIfNull(announced);
        ArgumentNullException.ThrowIfNull(withdrawn);
        int a = _nlri.Count;
        _nlri.AddRange(announced);
        int w = _nlri.Count;
        _nlri.AddRange(withdrawn);
        _items.Add(new Item(family, attributes, a, w - a, w, _nlri.Count - w, action));
    }

    /// <summary>
    /// Adds everything of one decoded UPDATE (RFC 7606 already applied by the decoder). An End-of-RIB
    /// marker adds nothing: post <see cref="RibCommand.EndOfRib"/> after this batch instead.
    /// </summary>
    public void Add(DecodedUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (update.IsSessionReset) return;
        var groups = update.Groups;
        for (int i = 0; i < groups.Count; i++) // by index: a foreach over the interface boxes an enumerator per UPDATE
        {
            var g = groups[i];
            Add(g.Family, g.Attributes, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(g.Announced),
                System.Runtime.InteropServices.CollectionsMarshal.AsSpan(g.Withdrawn), ErrorAction.None);
        }
    }

    public void Clear()
    {
        _nlri.Clear();
        _items.Clear();
    }
}
