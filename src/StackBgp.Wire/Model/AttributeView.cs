using System.Collections.Immutable;

namespace StackBgp.Wire;

/// <summary>
/// The path attributes an UPDATE carries, as a view over a <see cref="PathAttributes"/>: the attributes
/// that export rewrites (AS_PATH with our AS prepended, NEXT_HOP, MED, LOCAL_PREF, the reflection
/// attributes, the community lists) held here, everything else read from <see cref="Source"/>. The RIB
/// computes one per exported attribute set; building a new <see cref="PathAttributes"/> (and a new AS
/// path) for each instead cost a third of a full table's allocations. <see cref="ToAttributes"/> builds
/// the equal set where one is needed (outbound policy, show).
/// <para>The prepend is one ASN at the front of the path's leading AS_SEQUENCE, or a new leading
/// AS_SEQUENCE when the path does not start with one; <see cref="CanPrependInPlace"/> says when that is
/// what <see cref="AsPath.Prepend"/> would build (not when the leading segment is full).</para>
/// </summary>
public readonly struct AttributeView
{
    /// <summary>The whole of <paramref name="attributes"/>, unchanged.</summary>
    public AttributeView(PathAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        Source = attributes;
        AsPath = attributes.AsPath;
        PrependAs = 0;
        NextHop = attributes.NextHop;
        Med = attributes.Med;
        LocalPref = attributes.LocalPref;
        OriginatorId = attributes.OriginatorId;
        ClusterList = attributes.ClusterList;
        Communities = attributes.Communities;
        ExtendedCommunities = attributes.ExtendedCommunities;
        LargeCommunities = attributes.LargeCommunities;
    }

    /// <summary>
    /// <paramref name="source"/> with the given attributes replaced. The lists must be canonical as
    /// <see cref="PathAttributes"/> keeps them (communities sorted and unique); <paramref name="prependAs"/>
    /// (0 = none) only where <see cref="CanPrependInPlace"/> holds for <paramref name="asPath"/>.
    /// </summary>
    public AttributeView(PathAttributes source, AsPath asPath, uint prependAs, NextHop nextHop, uint? med, uint? localPref,
        uint? originatorId, ImmutableArray<uint> clusterList, ImmutableArray<uint> communities,
        ImmutableArray<ulong> extendedCommunities, ImmutableArray<LargeCommunity> largeCommunities)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (prependAs != 0 && !CanPrependInPlace(asPath)) throw new ArgumentException("the path's leading AS_SEQUENCE is full", nameof(asPath));
        Source = source;
        AsPath = asPath;
        PrependAs = prependAs;
        NextHop = nextHop;
        Med = med;
        LocalPref = localPref;
        OriginatorId = originatorId;
        ClusterList = clusterList.IsDefault ? [] : clusterList;
        Communities = communities.IsDefault ? [] : communities;
        ExtendedCommunities = extendedCommunities.IsDefault ? [] : extendedCommunities;
        LargeCommunities = largeCommunities.IsDefault ? [] : largeCommunities;
    }

    /// <summary>The set the other attributes come from; null for the default value (no attributes: not advertised).</summary>
    public PathAttributes? Source { get; }
    public bool IsNone => Source is null;

    /// <summary>The path before <see cref="PrependAs"/>.</summary>
    public AsPath AsPath { get; }
    /// <summary>An ASN sent in front of <see cref="AsPath"/> (RFC 4271 §5.1.2); 0 = none.</summary>
    public uint PrependAs { get; }
    public NextHop NextHop { get; }
    public uint? Med { get; }
    public uint? LocalPref { get; }
    public uint? OriginatorId { get; }
    public ImmutableArray<uint> ClusterList { get; }
    public ImmutableArray<uint> Communities { get; }
    public ImmutableArray<ulong> ExtendedCommunities { get; }
    public ImmutableArray<LargeCommunity> LargeCommunities { get; }

    public Origin Origin => Source!.Origin;
    public bool AtomicAggregate => Source!.AtomicAggregate;
    public Aggregator? Aggregator => Source!.Aggregator;
    public uint? Otc => Source!.Otc;
    public ulong PartialMask => Source!.PartialMask;
    public ImmutableArray<UnknownAttribute> Unknown => Source!.Unknown;

    /// <summary>True when one ASN prepended to <paramref name="path"/> goes into its leading AS_SEQUENCE or a new one-ASN segment.</summary>
    public static bool CanPrependInPlace(AsPath path)
        => path.Leading is not (AsPathSegmentType.AsSequence, >= 255);

    /// <summary>The path as sent (<see cref="AsPath"/> with <see cref="PrependAs"/> in front); builds a new path when there is a prepend.</summary>
    public AsPath SentAsPath() => PrependAs == 0 ? AsPath : AsPath.Prepend(PrependAs);

    /// <summary>The equal <see cref="PathAttributes"/> (the source itself when nothing was replaced).</summary>
    public PathAttributes ToAttributes()
    {
        var s = Source ?? throw new InvalidOperationException("no attributes");
        if (PrependAs == 0 && AsPath.Equals(s.AsPath) && NextHop == s.NextHop && Med == s.Med && LocalPref == s.LocalPref
            && OriginatorId == s.OriginatorId && Same(ClusterList, s.ClusterList) && Same(Communities, s.Communities)
            && Same(ExtendedCommunities, s.ExtendedCommunities) && Same(LargeCommunities, s.LargeCommunities))
            return s;
        return s with
        {
            AsPath = SentAsPath(),
            NextHop = NextHop,
            Med = Med,
            LocalPref = LocalPref,
            OriginatorId = OriginatorId,
            ClusterList = ClusterList,
            Communities = Communities,
            ExtendedCommunities = ExtendedCommunities,
            LargeCommunities = LargeCommunities,
        };
    }

    private static bool Same<T>(ImmutableArray<T> a, ImmutableArray<T> b) => a == b || (a.IsEmpty && b.IsEmpty);
}
