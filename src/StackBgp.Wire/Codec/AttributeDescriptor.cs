namespace StackBgp.Wire;

/// <summary>
/// One row per known path attribute (BIRD-style descriptor table): the Optional/Transitive bits it
/// must carry (RFC 4271 §5, RFC 4760, RFC 1997, RFC 4360, RFC 4456, RFC 6793, RFC 8092, RFC 9234).
/// </summary>
internal readonly record struct AttributeDescriptor(byte Code, AttributeFlags RequiredFlags, string Name)
{
    private const AttributeFlags WellKnown = AttributeFlags.Transitive;
    private const AttributeFlags OptionalTransitive = AttributeFlags.Optional | AttributeFlags.Transitive;
    private const AttributeFlags OptionalNonTransitive = AttributeFlags.Optional;

    private static readonly AttributeDescriptor?[] s_table = Build();

    public static AttributeDescriptor? Get(byte code) => s_table[code];

    /// <summary>True if the Optional and Transitive bits are what the attribute's RFC says (RFC 7606 §3 c).</summary>
    public bool FlagsOk(AttributeFlags flags) =>
        (flags & (AttributeFlags.Optional | AttributeFlags.Transitive)) == RequiredFlags;

    private static AttributeDescriptor?[] Build()
    {
        var t = new AttributeDescriptor?[256];
        void Add(AttributeCode c, AttributeFlags f, string n) => t[(byte)c] = new AttributeDescriptor((byte)c, f, n);
        Add(AttributeCode.Origin, WellKnown, "ORIGIN");
        Add(AttributeCode.AsPath, WellKnown, "AS_PATH");
        Add(AttributeCode.NextHop, WellKnown, "NEXT_HOP");
        Add(AttributeCode.MultiExitDisc, OptionalNonTransitive, "MULTI_EXIT_DISC");
        Add(AttributeCode.LocalPref, WellKnown, "LOCAL_PREF");
        Add(AttributeCode.AtomicAggregate, WellKnown, "ATOMIC_AGGREGATE");
        Add(AttributeCode.Aggregator, OptionalTransitive, "AGGREGATOR");
        Add(AttributeCode.Communities, OptionalTransitive, "COMMUNITIES");
        Add(AttributeCode.OriginatorId, OptionalNonTransitive, "ORIGINATOR_ID");
        Add(AttributeCode.ClusterList, OptionalNonTransitive, "CLUSTER_LIST");
        Add(AttributeCode.MpReachNlri, OptionalNonTransitive, "MP_REACH_NLRI");
        Add(AttributeCode.MpUnreachNlri, OptionalNonTransitive, "MP_UNREACH_NLRI");
        Add(AttributeCode.ExtendedCommunities, OptionalTransitive, "EXTENDED_COMMUNITIES");
        Add(AttributeCode.As4Path, OptionalTransitive, "AS4_PATH");
        Add(AttributeCode.As4Aggregator, OptionalTransitive, "AS4_AGGREGATOR");
        Add(AttributeCode.LargeCommunities, OptionalTransitive, "LARGE_COMMUNITY");
        Add(AttributeCode.Otc, OptionalTransitive, "OTC");
        return t;
    }
}
