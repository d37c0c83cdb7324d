using System.Collections.Immutable;
using StackBgp.Wire;

namespace StackBgp.Routing;

/// <summary>
/// What makes two peers' outbound streams identical for one family: same outbound policy (by
/// instance), same peer type and reflector role, same next hop we would set, same capabilities that
/// change the encoding. Peers with equal keys share one <see cref="UpdateGroup"/>: one export
/// computation and one encoding, the same bytes sent to each.
/// </summary>
internal readonly record struct UpdateGroupKey(
    AddressFamily Family,
    PeerKind Kind,
    bool ReflectorClient,
    uint LocalAs,
    IRoutePolicy? ExportPolicy,
    bool Rfc8212Blocked,
    NextHop SelfNextHop,
    NextHopSelf NextHopSelf,
    Prefix? SharedSubnet,
    SendCommunity SendCommunity,
    bool DefaultOriginate,
    EncodeContext Encode,
    TimeSpan AdvertisementInterval)
{
    /// <summary>The members announced long-lived GR (RFC 9494): LLGR_STALE routes may be sent to them.</summary>
    public bool LlgrReceiver { get; init; }

    public bool Equals(UpdateGroupKey other) =>
        Family == other.Family && Kind == other.Kind && ReflectorClient == other.ReflectorClient && LocalAs == other.LocalAs
        && ReferenceEquals(ExportPolicy, other.ExportPolicy) && Rfc8212Blocked == other.Rfc8212Blocked
        && SelfNextHop == other.SelfNextHop && NextHopSelf == other.NextHopSelf && SharedSubnet == other.SharedSubnet
        && SendCommunity == other.SendCommunity && DefaultOriginate == other.DefaultOriginate
        && Encode.FourOctetAs == other.Encode.FourOctetAs && Encode.MaxMessageLength == other.Encode.MaxMessageLength
        && Encode.Ipv4ViaMpReach == other.Encode.Ipv4ViaMpReach && SameFamilies(Encode.AddPathSend, other.Encode.AddPathSend)
        && AdvertisementInterval == other.AdvertisementInterval && LlgrReceiver == other.LlgrReceiver;

    public override int GetHashCode() =>
        HashCode.Combine(Family, Kind, ReflectorClient, LocalAs, ExportPolicy is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(ExportPolicy), SelfNextHop, SendCommunity, DefaultOriginate);

    private static bool SameFamilies(ImmutableArray<AddressFamily> a, ImmutableArray<AddressFamily> b) =>
        (a.IsDefaultOrEmpty && b.IsDefaultOrEmpty) || (!a.IsDefault && !b.IsDefault && a.SequenceEqual(b));
}

/// <summary>
/// An update group: members, its Adj-RIB-Out slot in every <see cref="Destination"/>, and the prefixes
/// whose advertisement changed since the last flush.
/// </summary>
internal sealed class UpdateGroup(int id, int slot, UpdateGroupKey key)
{
    public readonly int Id = id;
    /// <summary>Index of this group's Adj-RIB-Out bit in each destination (<see cref="Destination.IsAdvertised"/>).</summary>
    public readonly int Slot = slot;
    public readonly UpdateGroupKey Key = key;
    public readonly List<PeerState> Members = [];

    /// <summary>
    /// The only member, when there is one: its own routes are not sent back to it (FRR's "onlypeer"
    /// rule). With several members, the receiver's loop detection drops them.
    /// </summary>
    public PeerState? OnlyPeer;

    /// <summary>Prefixes currently advertised (Adj-RIB-Out size).</summary>
    public int Advertised;

    /// <summary>
    /// Prefixes whose Adj-RIB-Out entry changed since the last flush (announce if present, else withdraw),
    /// each with the handle of its destination at the time, so that the flush needs no table lookup. A
    /// prefix is listed once: the destination's pending bit for this slot says it is (slots from 32 on,
    /// which no destination has a bit for, use <see cref="_listed"/>).
    /// </summary>
    public readonly List<(Destination Dest, Prefix Prefix)> Changed = [];

    private readonly HashSet<Prefix>? _listed = slot >= Destination.PendingSlots ? [] : null;
    /// <summary>Adj-RIB-Out of a group from slot 16 on, which no destination has a bit for.</summary>
    private readonly HashSet<Prefix>? _advertised = slot >= Destination.PendingSlots ? [] : null;

    /// <summary>Whether the prefix is advertised to the group (then with its published best path).</summary>
    public bool IsAdvertised(Destination d) => _advertised is null ? d.IsAdvertised(Slot) : _advertised.Contains(d.Prefix);

    public void SetAdvertised(Destination d, bool advertised)
    {
        if (_advertised is null) d.SetAdvertised(Slot, advertised);
        else if (advertised) _advertised.Add(d.Prefix);
        else _advertised.Remove(d.Prefix);
    }
    private bool _defaultListed;

    /// <summary>Lists the destination's prefix as changed unless it already is.</summary>
    public void MarkChanged(Destination d)
    {
        if (_listed is null ? d.SetPending(Slot) : _listed.Add(d.Prefix)) Changed.Add((d, d.Prefix));
    }

    /// <summary>Lists the originated default route (default-originate) as changed.</summary>
    public void MarkDefaultChanged(Prefix prefix)
    {
        if (_defaultListed) return;
        _defaultListed = true;
        Changed.Add((default, prefix));
    }

    /// <summary>
    /// Takes a listed prefix off the list at flush: false when the item is to be skipped (a duplicate, or
    /// the prefix has a newer item of its own). <paramref name="current"/> is the prefix's destination now
    /// (<paramref name="found"/> false when it has none); the flush sends what that holds.
    /// </summary>
    public bool Unlist(Destination listed, Prefix prefix, bool found, Destination current)
    {
        if (_listed is not null) return _listed.Remove(prefix);
        if (listed.Holds(prefix))
        {
            // A removed destination keeps its entry, prefix and bit until here.
            if (!listed.ClearPending(Slot)) return false;
            if (found && current == listed) return true;
        }
        // The destination listed was removed; if the prefix has a new one that is listed too, that item sends it.
        return !found || !current.IsPending(Slot);
    }
    /// <summary>Drops the change list without sending (the caller recomputes or sends the whole table).</summary>
    public void ClearChanged()
    {
        foreach (var (d, prefix) in Changed)
            if (_listed is null && d.Holds(prefix)) d.ClearPending(Slot);
        _listed?.Clear();
        _defaultListed = false;
        Changed.Clear();
        if (Changed.Capacity > 65536) Changed.TrimExcess();
    }

    /// <summary>After a flush has handled every item.</summary>
    public void ChangedFlushed()
    {
        _listed?.Clear();
        _defaultListed = false;
        Changed.Clear();
        if (Changed.Capacity > 65536) Changed.TrimExcess();
    }

    /// <summary>Outbound attributes computed during this wake-up for policy-free groups: (Loc-RIB attributes, source peer) → attributes to send (none = not advertised).</summary>
    public readonly Dictionary<(PathAttributes, PeerState), AttributeView> ExportCache = [];

    /// <summary>The last <see cref="ExportCache"/> answer (looked up again for the next prefixes of the same set).</summary>
    public PathAttributes? LastExportSource;
    public PeerState? LastExportPeer;
    public AttributeView LastExport;

    public void ClearExportCache()
    {
        ExportCache.Clear();
        LastExportSource = null;
        LastExportPeer = null;
        LastExport = default;
    }

    public long MessagesSent;
    public long PrefixesAnnounced;
    public long PrefixesWithdrawn;
    public long LastFlushTicks;
    public bool FlushScheduled;

    public AddressFamily Family => Key.Family;
    public bool HasPending => Changed.Count > 0;
}
