using System.Collections.Immutable;
using System.Text;

namespace StackBgp.Wire;

/// <summary>
/// One immutable set of path attributes, shared (interned) by every prefix that carries it.
/// Structural equality over all content; the hash is computed once and cached.
/// <para>Derive modified sets with <c>with</c>: <c>attrs with { LocalPref = 200 }</c>.</para>
/// <para>Canonical forms (so equal sets intern to one object): <see cref="Communities"/>,
/// <see cref="ExtendedCommunities"/> and <see cref="LargeCommunities"/> are kept sorted ascending
/// and without duplicates (they are sets, RFC 1997/4360/8092; FRR sorts them too), so a peer's
/// order is not preserved on re-encode. <see cref="ClusterList"/> keeps its order (it is a path).
/// <see cref="Unknown"/> is sorted by code.</para>
/// <para><see cref="NextHop"/>: in a decoded <see cref="UpdateMessage"/> it is the NEXT_HOP attribute
/// (IPv4, for NLRI in the UPDATE body); the MP_REACH next hop is in <see cref="MpReach"/>. In the
/// per-family sets from <see cref="UpdateDecoder"/> and for the encoder, it is the next hop of the
/// routes of that family (IPv4, or IPv6 global + optional link-local, incl. RFC 8950).</para>
/// </summary>
public sealed record PathAttributes
{
    // Storage is laid out for a full table: ~330k distinct sets per million routes. The attributes
    // every route has (origin, AS path, next hop, MED, LOCAL_PREF, communities) are fields; the ones
    // few routes carry live in one shared Rare object (null for most sets). Optional integers use a
    // presence bit instead of Nullable<uint> (8 bytes each).
    private int _hash;
    private uint _med;
    private uint _localPref;
    private byte _present;
    private readonly ImmutableArray<uint> _communities = ImmutableArray<uint>.Empty;
    private readonly AsPath _asPath;
    private Rare? _rare;

    // Interning bookkeeping, not content: which attribute interner (StackBgp.Routing) holds this set as
    // its canonical instance (0 = none) and how many references it counts. Only that interner's owner
    // thread writes them; they are not copied by `with` and not part of equality or the hash.
    internal int InternOwner;
    internal int InternRefs;

    // _present: bit 0 MED, bit 1 LOCAL_PREF, bit 2 ATOMIC_AGGREGATE, bits 3-4 ORIGIN, bits 5-6 the next
    // hop's kind, bit 7 its link-local address.
    private const byte HasMed = 1, HasLocalPref = 2, HasAtomicAggregate = 4, NextHopLinkLocal = 128;
    private const int OriginShift = 3, NextHopKindShift = 5;

    // The next hop's parts, not a NextHop field: the struct pads to 40 bytes and the class places it at
    // 8-byte alignment; as words and two bits of _present the set is 96 bytes instead of 104.
    private readonly ulong _nhGlobalHigh;
    private readonly ulong _nhGlobalLow;
    private readonly ulong _nhLinkLocalHigh;
    private readonly ulong _nhLinkLocalLow;

    /// <summary>The attributes that few routes carry; immutable once built, shared by <c>with</c> copies.</summary>
    private sealed class Rare
    {
        public ImmutableArray<ulong> ExtendedCommunities = ImmutableArray<ulong>.Empty;
        public ImmutableArray<LargeCommunity> LargeCommunities = ImmutableArray<LargeCommunity>.Empty;
        public ImmutableArray<uint> ClusterList = ImmutableArray<uint>.Empty;
        public ImmutableArray<UnknownAttribute> Unknown = ImmutableArray<UnknownAttribute>.Empty;
        public Aggregator? Aggregator;
        public uint? OriginatorId;
        public uint? Otc;
        public ulong PartialMask;

        public Rare Clone() => (Rare)MemberwiseClone();

        public bool IsEmpty => ExtendedCommunities.IsEmpty && LargeCommunities.IsEmpty && ClusterList.IsEmpty && Unknown.IsEmpty
            && Aggregator is null && OriginatorId is null && Otc is null && PartialMask == 0;
    }

    private static readonly Rare NoRare = new();

    private Rare R => _rare ?? NoRare;

    /// <summary>Copy-on-write for the init accessors (a set is immutable once constructed; a Rare may be
    /// shared with the set this one was copied from by <c>with</c>).</summary>
    private Rare EditRare() => (_rare ?? NoRare).Clone();

    private void CommitRare(Rare r) => _rare = r.IsEmpty ? null : r;

    /// <summary>An empty set: ORIGIN IGP, empty AS path, nothing else.</summary>
    public static PathAttributes Empty { get; } = new();

    public PathAttributes() { }

    /// <summary>Copy constructor used by <c>with</c>: copies the content, not the cached hash.</summary>
    private PathAttributes(PathAttributes original)
    {
        _asPath = original._asPath;
        _nhGlobalHigh = original._nhGlobalHigh;
        _nhGlobalLow = original._nhGlobalLow;
        _nhLinkLocalHigh = original._nhLinkLocalHigh;
        _nhLinkLocalLow = original._nhLinkLocalLow;
        _med = original._med;
        _localPref = original._localPref;
        _present = original._present;
        _communities = original._communities;
        _rare = original._rare;
    }

    /// <summary>ORIGIN (RFC 4271 §5.1.1).</summary>
    public Origin Origin
    {
        get => (Origin)((_present >> OriginShift) & 3);
        init => _present = (byte)((_present & ~(3 << OriginShift)) | (((int)value & 3) << OriginShift));
    }

    /// <summary>AS_PATH merged with AS4_PATH (RFC 4271 §5.1.2, RFC 6793 §4.2.3). Never null.</summary>
    public AsPath AsPath { get => _asPath; init => _asPath = value; }

    /// <summary>Next hop; see the class remarks for which one. <see cref="NextHop.None"/> when absent.</summary>
    public NextHop NextHop
    {
        get => NextHop.FromParts((NextHopKind)((_present >> NextHopKindShift) & 3), _nhGlobalHigh, _nhGlobalLow,
            (_present & NextHopLinkLocal) != 0, _nhLinkLocalHigh, _nhLinkLocalLow);
        init
        {
            _nhGlobalHigh = value.GlobalHigh;
            _nhGlobalLow = value.GlobalLow;
            _nhLinkLocalHigh = value.LinkLocalHigh;
            _nhLinkLocalLow = value.LinkLocalLow;
            int bits = ((int)value.Kind & 3) << NextHopKindShift | (value.HasLinkLocal ? NextHopLinkLocal : 0);
            _present = (byte)((_present & ~(3 << NextHopKindShift | NextHopLinkLocal)) | bits);
        }
    }

    /// <summary>MULTI_EXIT_DISC (RFC 4271 §5.1.4); null when absent.</summary>
    public uint? Med
    {
        get => (_present & HasMed) != 0 ? _med : null;
        init
        {
            _med = value.GetValueOrDefault();
            _present = value.HasValue ? (byte)(_present | HasMed) : (byte)(_present & ~HasMed);
        }
    }

    /// <summary>LOCAL_PREF (RFC 4271 §5.1.5); null when absent.</summary>
    public uint? LocalPref
    {
        get => (_present & HasLocalPref) != 0 ? _localPref : null;
        init
        {
            _localPref = value.GetValueOrDefault();
            _present = value.HasValue ? (byte)(_present | HasLocalPref) : (byte)(_present & ~HasLocalPref);
        }
    }

    /// <summary>ATOMIC_AGGREGATE present (RFC 4271 §5.1.6).</summary>
    public bool AtomicAggregate
    {
        get => (_present & HasAtomicAggregate) != 0;
        init => _present = value ? (byte)(_present | HasAtomicAggregate) : (byte)(_present & ~HasAtomicAggregate);
    }

    /// <summary>AGGREGATOR merged with AS4_AGGREGATOR (RFC 4271 §5.1.7, RFC 6793 §4.2.3); null when absent.</summary>
    public Aggregator? Aggregator
    {
        get => R.Aggregator;
        init { if (value == R.Aggregator) return; var r = EditRare(); r.Aggregator = value; CommitRare(r); }
    }

    /// <summary>COMMUNITIES (RFC 1997), sorted and unique.</summary>
    public ImmutableArray<uint> Communities { get => _communities; init => _communities = Canonical(value); }

    /// <summary>EXTENDED_COMMUNITIES (RFC 4360), sorted and unique.</summary>
    public ImmutableArray<ulong> ExtendedCommunities
    {
        get => R.ExtendedCommunities;
        init { var v = Canonical(value); if (v.IsEmpty && R.ExtendedCommunities.IsEmpty) return; var r = EditRare(); r.ExtendedCommunities = v; CommitRare(r); }
    }

    /// <summary>LARGE_COMMUNITY (RFC 8092), sorted and unique.</summary>
    public ImmutableArray<LargeCommunity> LargeCommunities
    {
        get => R.LargeCommunities;
        init { var v = Canonical(value); if (v.IsEmpty && R.LargeCommunities.IsEmpty) return; var r = EditRare(); r.LargeCommunities = v; CommitRare(r); }
    }

    /// <summary>ORIGINATOR_ID (RFC 4456 §8); null when absent.</summary>
    public uint? OriginatorId
    {
        get => R.OriginatorId;
        init { if (value == R.OriginatorId) return; var r = EditRare(); r.OriginatorId = value; CommitRare(r); }
    }

    /// <summary>CLUSTER_LIST (RFC 4456 §8), in path order (most recent first).</summary>
    public ImmutableArray<uint> ClusterList
    {
        get => R.ClusterList;
        init { var v = value.IsDefault ? ImmutableArray<uint>.Empty : value; if (v.IsEmpty && R.ClusterList.IsEmpty) return; var r = EditRare(); r.ClusterList = v; CommitRare(r); }
    }

    /// <summary>Only To Customer (RFC 9234 §5); null when absent.</summary>
    public uint? Otc
    {
        get => R.Otc;
        init { if (value == R.Otc) return; var r = EditRare(); r.Otc = value; CommitRare(r); }
    }

    /// <summary>
    /// Known optional transitive attributes received with the Partial bit (bit n = type code n; only
    /// codes below 64). RFC 4271 §5: once set, Partial stays set when the attribute is passed on.
    /// </summary>
    public ulong PartialMask
    {
        get => R.PartialMask;
        init { if (value == R.PartialMask) return; var r = EditRare(); r.PartialMask = value; CommitRare(r); }
    }

    /// <summary>Unrecognised optional transitive attributes, passed along with the Partial bit (RFC 4271 §5), sorted by code.</summary>
    public ImmutableArray<UnknownAttribute> Unknown
    {
        get => R.Unknown;
        init { var v = SortUnknown(value); if (v.IsEmpty && R.Unknown.IsEmpty) return; var r = EditRare(); r.Unknown = v; CommitRare(r); }
    }

    public bool HasCommunity(uint community) => _communities.AsSpan().BinarySearch(community) >= 0;
    public bool HasLargeCommunity(LargeCommunity community) => R.LargeCommunities.AsSpan().BinarySearch(community) >= 0;
    public bool HasExtendedCommunity(ulong community) => R.ExtendedCommunities.AsSpan().BinarySearch(community) >= 0;

    /// <summary>Adds communities (RFC 1997 "additive"); returns this when nothing changes.</summary>
    public PathAttributes AddCommunities(ReadOnlySpan<uint> add)
    {
        bool missing = false;
        foreach (uint c in add) missing |= !HasCommunity(c);
        if (!missing) return this;
        var b = ImmutableArray.CreateBuilder<uint>(_communities.Length + add.Length);
        b.AddRange(_communities);
        foreach (uint c in add) b.Add(c);
        return this with { Communities = b.ToImmutable() };
    }

    /// <summary>Removes the communities matching <paramref name="remove"/>; returns this when nothing changes.</summary>
    public PathAttributes RemoveCommunities(Func<uint, bool> remove)
    {
        ArgumentNullException.ThrowIfNull(remove);
        var b = ImmutableArray.CreateBuilder<uint>(_communities.Length);
        foreach (uint c in _communities) if (!remove(c)) b.Add(c);
        return b.Count == _communities.Length ? this : this with { Communities = b.ToImmutable() };
    }

    public bool Equals(PathAttributes? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || GetHashCode() != other.GetHashCode()) return false;
        if (Origin != other.Origin || NextHop != other.NextHop || Med != other.Med || LocalPref != other.LocalPref
            || AtomicAggregate != other.AtomicAggregate || !_asPath.Equals(other._asPath)
            || !_communities.AsSpan().SequenceEqual(other._communities.AsSpan()))
            return false;
        if (ReferenceEquals(_rare, other._rare)) return true;
        Rare a = R, b = other.R;
        return a.Aggregator == b.Aggregator && a.OriginatorId == b.OriginatorId && a.Otc == b.Otc && a.PartialMask == b.PartialMask
            && a.ExtendedCommunities.AsSpan().SequenceEqual(b.ExtendedCommunities.AsSpan())
            && a.LargeCommunities.AsSpan().SequenceEqual(b.LargeCommunities.AsSpan())
            && a.ClusterList.AsSpan().SequenceEqual(b.ClusterList.AsSpan())
            && a.Unknown.AsSpan().SequenceEqual(b.Unknown.AsSpan());
    }

    public override int GetHashCode()
    {
        int h = _hash;
        if (h != 0) return h;
        var hc = new HashCode();
        hc.Add(Origin);
        hc.Add(_asPath);
        hc.Add(NextHop);
        hc.Add(Med);
        hc.Add(LocalPref);
        hc.Add(AtomicAggregate);
        hc.Add(Aggregator);
        hc.Add(OriginatorId);
        hc.Add(Otc);
        hc.Add(PartialMask);
        foreach (uint c in _communities) hc.Add(c);
        hc.Add(-1);
        var rare = R;
        foreach (ulong c in rare.ExtendedCommunities) hc.Add(c);
        hc.Add(-2);
        foreach (var c in rare.LargeCommunities) hc.Add(c);
        hc.Add(-3);
        foreach (uint c in rare.ClusterList) hc.Add(c);
        hc.Add(-4);
        foreach (var u in rare.Unknown) hc.Add(u);
        h = hc.ToHashCode();
        if (h == 0) h = 1;
        _hash = h;
        return h;
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("origin ").Append(Origin switch { Origin.Igp => "IGP", Origin.Egp => "EGP", _ => "incomplete" });
        sb.Append(", as-path [").Append(_asPath).Append(']');
        if (!NextHop.IsNone) sb.Append(", next-hop ").Append(NextHop);
        if (Med is { } med) sb.Append(", med ").Append(med);
        if (LocalPref is { } lp) sb.Append(", local-pref ").Append(lp);
        if (AtomicAggregate) sb.Append(", atomic-aggregate");
        if (Aggregator is { } ag) sb.Append(", aggregator ").Append(ag);
        if (!_communities.IsEmpty) sb.Append(", communities ").AppendJoin(' ', _communities.Select(Community.Format));
        if (!ExtendedCommunities.IsEmpty) sb.Append(", ext-communities ").AppendJoin(' ', ExtendedCommunities.Select(ExtendedCommunity.Format));
        if (!LargeCommunities.IsEmpty) sb.Append(", large-communities ").AppendJoin(' ', LargeCommunities);
        if (OriginatorId is { } oid) sb.Append(", originator-id ").Append(FormatV4(oid));
        if (!ClusterList.IsEmpty) sb.Append(", cluster-list ").AppendJoin(' ', ClusterList.Select(FormatV4));
        if (Otc is { } otc) sb.Append(", otc ").Append(otc);
        foreach (var u in Unknown) sb.Append(", ").Append(u);
        return sb.ToString();
    }

    internal static string FormatV4(uint a) => $"{a >> 24}.{(a >> 16) & 0xFF}.{(a >> 8) & 0xFF}.{a & 0xFF}";

    private static ImmutableArray<T> Canonical<T>(ImmutableArray<T> value) where T : IComparable<T>
    {
        if (value.IsDefaultOrEmpty) return ImmutableArray<T>.Empty;
        bool canonical = true;
        for (int i = 1; i < value.Length && canonical; i++) canonical = value[i - 1].CompareTo(value[i]) < 0;
        if (canonical) return value;
        var a = value.ToArray();
        Array.Sort(a);
        int n = 1;
        for (int i = 1; i < a.Length; i++)
            if (a[i].CompareTo(a[n - 1]) != 0) a[n++] = a[i];
        return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(n == a.Length ? a : a[..n]);
    }

    private static ImmutableArray<UnknownAttribute> SortUnknown(ImmutableArray<UnknownAttribute> value)
    {
        if (value.IsDefaultOrEmpty) return ImmutableArray<UnknownAttribute>.Empty;
        bool sorted = true;
        for (int i = 1; i < value.Length && sorted; i++) sorted = value[i - 1].Code < value[i].Code;
        return sorted ? value : value.Sort((a, b) => a.Code.CompareTo(b.Code));
    }
}
