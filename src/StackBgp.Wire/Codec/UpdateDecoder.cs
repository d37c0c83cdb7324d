namespace StackBgp.Wire;

/// <summary>
/// Routes of one address family from one UPDATE, sharing one attribute set. Reused between UPDATEs
/// (the lists keep their capacity, so steady-state decoding allocates nothing per prefix).
/// </summary>
public sealed class FamilyUpdate
{
    public AddressFamily Family { get; internal set; }
    /// <summary>The attribute set of <see cref="Announced"/>, with the next hop for this family; null when nothing is announced.</summary>
    public PathAttributes? Attributes { get; internal set; }
    public List<Nlri> Announced { get; } = new();
    public List<Nlri> Withdrawn { get; } = new();

    internal void Reset(AddressFamily family)
    {
        Family = family;
        Attributes = null;
        Announced.Clear();
        Withdrawn.Clear();
    }
}

/// <summary>
/// The routing-facing result of decoding one UPDATE into caller-owned, reusable buffers.
/// RFC 7606 has been applied: on treat-as-withdraw the announced prefixes were moved to
/// <see cref="FamilyUpdate.Withdrawn"/>; on session reset <see cref="Groups"/> is empty and
/// <see cref="Notification"/> says what to send.
/// </summary>
public sealed class DecodedUpdate
{
    private readonly FamilyUpdate[] _pool = { new(), new(), new() };
    private readonly List<FamilyUpdate> _groups = new(3);
    private ErrorRecord _errors;

    /// <summary>
    /// At most three groups: body IPv4 unicast, the MP_REACH family, the MP_UNREACH family (merged with
    /// an earlier group of the same family, except that MP_REACH IPv4 routes next to body NLRI get their
    /// own group because their next hop differs).
    /// </summary>
    public IReadOnlyList<FamilyUpdate> Groups => _groups;
    public ErrorRecord Errors => _errors;
    public ErrorAction Action => _errors.Action;
    public bool IsSessionReset => _errors.Action == ErrorAction.SessionReset;
    public NotificationMessage? Notification => IsSessionReset ? _errors.Strongest!.Value.ToNotification() : null;

    /// <summary>End-of-RIB marker (RFC 4724 §2); see <see cref="EndOfRibFamily"/>.</summary>
    public bool IsEndOfRib { get; internal set; }
    public AddressFamily EndOfRibFamily { get; internal set; }

    /// <summary>Number of announced + withdrawn prefixes over all groups.</summary>
    public int PrefixCount
    {
        get
        {
            int n = 0;
            foreach (var g in _groups) n += g.Announced.Count + g.Withdrawn.Count;
            return n;
        }
    }

    internal void Clear()
    {
        _groups.Clear();
        _errors = default;
        IsEndOfRib = false;
        EndOfRibFamily = default;
    }

    internal ref ErrorRecord ErrorsRef => ref _errors;

    internal FamilyUpdate Group(AddressFamily family)
    {
        foreach (var g in _groups)
            if (g.Family == family) return g;
        return NewGroup(family);
    }

    internal FamilyUpdate NewGroup(AddressFamily family)
    {
        var n = _pool[_groups.Count];
        n.Reset(family);
        _groups.Add(n);
        return n;
    }

    internal void ClearGroups() => _groups.Clear();
}

/// <summary>
/// Decodes UPDATE bodies into a reusable <see cref="DecodedUpdate"/>: one <see cref="PathAttributes"/>
/// per UPDATE (per family when the next hops differ), prefixes as values in reused lists, RFC 7606
/// outcome, End-of-RIB detection. Never throws on malformed input.
/// </summary>
public static class UpdateDecoder
{
    public static void Decode(ReadOnlySpan<byte> body, in DecodeContext context, DecodedUpdate result)
    {
        ArgumentNullException.ThrowIfNull(result);
        result.Clear();
        ref ErrorRecord errors = ref result.ErrorsRef;
        if (!UpdateReader.TryCreate(body, out var reader, out var err))
        {
            errors.Add(err);
            return;
        }

        var block = AttributeDecoder.Decode(reader.AttributeBytes, context, ref errors, useMpReachNextHop: true);

        // Body withdrawn routes and NLRI: IPv4 unicast (RFC 4271 §4.3).
        bool bodyAnnounces = false;
        if (!reader.WithdrawnBytes.IsEmpty || !reader.NlriBytes.IsEmpty)
        {
            var g = result.Group(AddressFamily.Ipv4Unicast);
            var w = reader.Withdrawn(context);
            while (w.MoveNext()) g.Withdrawn.Add(w.Current);
            if (w.IsMalformed) errors.Add(WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.InvalidNetworkField, "malformed withdrawn routes"));
            var n = reader.Nlri(context);
            int before = g.Announced.Count;
            while (n.MoveNext()) g.Announced.Add(n.Current);
            if (n.IsMalformed) errors.Add(WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.InvalidNetworkField, "malformed NLRI"));
            bodyAnnounces = g.Announced.Count > before;
            if (bodyAnnounces)
                g.Attributes = block.NextHopIsMp ? block.Attributes! with { NextHop = block.NextHopAttribute } : block.Attributes;
        }

        bool mpAnnounces = false;
        if (block.HasMpReach)
        {
            var st = MpReachReader.TryReadReach(block.MpReach, context, out var fam, out var nh, out var nlri, out string? problem);
            if (st == MpParseStatus.Malformed)
                errors.Add(WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.OptionalAttributeError, problem!, block.MpReachWhole));
            else if (st == MpParseStatus.UnsupportedFamily)
                errors.Add(WireError.Update(ErrorAction.AttributeDiscard, UpdateMessageSubcode.OptionalAttributeError, $"MP_REACH_NLRI for unsupported {fam} ignored"));
            else
            {
                // IPv4 routes both in the body (NEXT_HOP) and in MP_REACH_NLRI (its own next hop) get
                // two groups of the same family, one per attribute set.
                var g = bodyAnnounces && fam == AddressFamily.Ipv4Unicast ? result.NewGroup(fam) : result.Group(fam);
                var e = new NlriEnumerator(nlri, fam.Afi, context.ReceivesPathId(fam));
                while (e.MoveNext()) g.Announced.Add(e.Current);
                if (e.IsMalformed)
                    errors.Add(WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.OptionalAttributeError, $"malformed NLRI in MP_REACH_NLRI ({fam})", block.MpReachWhole));
                mpAnnounces = g.Announced.Count > 0;
                if (mpAnnounces)
                {
                    var attrs = block.Attributes ?? PathAttributes.Empty;
                    g.Attributes = attrs.NextHop == nh ? attrs : attrs with { NextHop = nh };
                }
            }
        }

        if (block.HasMpUnreach)
        {
            var st = MpReachReader.TryReadUnreach(block.MpUnreach, out var fam, out var wd, out string? problem);
            if (st == MpParseStatus.Malformed)
                errors.Add(WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.OptionalAttributeError, problem!, block.MpUnreachWhole));
            else if (st == MpParseStatus.Ok)
            {
                var g = result.Group(fam);
                var e = new NlriEnumerator(wd, fam.Afi, context.ReceivesPathId(fam));
                while (e.MoveNext()) g.Withdrawn.Add(e.Current);
                if (e.IsMalformed)
                    errors.Add(WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.OptionalAttributeError, $"malformed NLRI in MP_UNREACH_NLRI ({fam})", block.MpUnreachWhole));
                // End-of-RIB (RFC 4724 §2): an UPDATE holding only an empty MP_UNREACH_NLRI.
                if (wd.IsEmpty && !block.HasMpReach && reader.WithdrawnBytes.IsEmpty && reader.NlriBytes.IsEmpty
                    && reader.AttributeBytes.Length == block.MpUnreachWhole.Length)
                {
                    result.IsEndOfRib = true;
                    result.EndOfRibFamily = fam;
                }
            }
        }

        // End-of-RIB for IPv4 unicast: an UPDATE with nothing in it (RFC 4724 §2).
        if (body.Length == 4)
        {
            result.IsEndOfRib = true;
            result.EndOfRibFamily = AddressFamily.Ipv4Unicast;
        }

        CheckMandatory(block, bodyAnnounces, mpAnnounces, ref errors);

        // RFC 7606 §4: treat-as-withdraw needs every NLRI located; if the block broke off before any
        // MP attribute and the body carries no routes, the routes cannot be located: reset instead.
        if (block.IsTruncated && !block.HasMpReach && !block.HasMpUnreach && reader.WithdrawnBytes.IsEmpty && reader.NlriBytes.IsEmpty)
            errors.Add(WireError.Update(ErrorAction.SessionReset, UpdateMessageSubcode.MalformedAttributeList, "attribute block truncated, NLRI cannot be located"));

        switch (errors.Action)
        {
            case ErrorAction.SessionReset:
                result.ClearGroups();
                result.IsEndOfRib = false;
                break;
            case ErrorAction.TreatAsWithdraw:
                foreach (var g in result.Groups)
                {
                    g.Withdrawn.AddRange(g.Announced);
                    g.Announced.Clear();
                    g.Attributes = null;
                }
                break;
        }
    }

    /// <summary>
    /// RFC 7606 §3 d: a missing well-known mandatory attribute is treat-as-withdraw. ORIGIN and AS_PATH
    /// are needed whenever routes are announced, NEXT_HOP only for body NLRI (RFC 4760 §3).
    /// The data is the missing attribute's type code (RFC 4271 §6.3).
    /// </summary>
    internal static void CheckMandatory(in AttributeBlock block, bool bodyAnnounces, bool mpAnnounces, ref ErrorRecord errors)
    {
        if (!bodyAnnounces && !mpAnnounces) return;
        if (!block.HasOrigin) Missing(ref errors, AttributeCode.Origin);
        if (!block.HasAsPath) Missing(ref errors, AttributeCode.AsPath);
        if (bodyAnnounces && !block.HasNextHop) Missing(ref errors, AttributeCode.NextHop);
    }

    private static void Missing(ref ErrorRecord errors, AttributeCode code) =>
        errors.Add(WireError.Update(ErrorAction.TreatAsWithdraw, UpdateMessageSubcode.MissingWellKnownAttribute, $"missing {code}", stackalloc byte[] { (byte)code }));
}
