using System.Collections.Immutable;

namespace StackBgp.Wire;

/// <summary>Message types (RFC 4271 §4.1, RFC 2918 §3).</summary>
public enum BgpMessageType : byte
{
    Open = 1,
    Update = 2,
    Notification = 3,
    Keepalive = 4,
    RouteRefresh = 5,
}

/// <summary>Base of the decoded message model. The hot UPDATE path uses <see cref="UpdateReader"/> instead.</summary>
public abstract record BgpMessage
{
    public abstract BgpMessageType Type { get; }
}

/// <summary>A prefix with its add-path path identifier (RFC 7911 §3; 0 when add-path is not in use).</summary>
public readonly record struct Nlri(Prefix Prefix, uint PathId = 0)
{
    public override string ToString() => PathId == 0 ? Prefix.ToString() : $"{Prefix} path-id {PathId}";
}

/// <summary>
/// An OPEN optional parameter other than capabilities (type 2), raw (RFC 4271 §4.2). Encode only: the
/// decoder refuses other parameter types with Unsupported Optional Parameter (RFC 4271 §6.2).
/// </summary>
public readonly record struct OptionalParameter(byte ParameterType, ImmutableArray<byte> Value)
{
    public bool Equals(OptionalParameter other) => ParameterType == other.ParameterType && Value.AsSpan().SequenceEqual(other.Value.AsSpan());
    public override int GetHashCode() => HashCode.Combine(ParameterType, Hash.Of(Value));
}

/// <summary>
/// OPEN (RFC 4271 §4.2) with capabilities (RFC 5492) and, when <see cref="ExtendedOptionalParameters"/>,
/// the RFC 9072 extended optional parameters length encoding.
/// </summary>
public sealed record OpenMessage : BgpMessage
{
    public override BgpMessageType Type => BgpMessageType.Open;
    public byte Version { get; init; } = 4;
    /// <summary>The 2-octet "My Autonomous System" field (AS_TRANS when the real ASN is 4-octet, RFC 6793 §4.1).</summary>
    public ushort MyAs { get; init; }
    public ushort HoldTime { get; init; }
    /// <summary>BGP Identifier, host order.</summary>
    public uint BgpId { get; init; }
    public ImmutableArray<Capability> Capabilities { get; init; } = ImmutableArray<Capability>.Empty;
    /// <summary>Optional parameters other than capabilities, raw; written by the encoder (tests, tools), never produced by the decoder.</summary>
    public ImmutableArray<OptionalParameter> OtherParameters { get; init; } = ImmutableArray<OptionalParameter>.Empty;
    /// <summary>Encode each capability in its own optional parameter (as FRR does) rather than all in one.</summary>
    public bool OneCapabilityPerParameter { get; init; }
    /// <summary>Use the RFC 9072 extended optional parameters length (forced when parameters exceed 255 octets).</summary>
    public bool ExtendedOptionalParameters { get; init; }

    /// <summary>The speaker's real ASN: from the 4-octet AS capability if present, else <see cref="MyAs"/>.</summary>
    public uint Asn => GetCapability<FourOctetAsCapability>()?.Asn ?? MyAs;

    /// <summary>Builds an OPEN for <paramref name="asn"/>, putting AS_TRANS in the 2-octet field when needed.</summary>
    public static OpenMessage Create(uint asn, ushort holdTime, uint bgpId, IEnumerable<Capability> capabilities) => new()
    {
        MyAs = StackBgp.Wire.Asn.ToTwoOctet(asn),
        HoldTime = holdTime,
        BgpId = bgpId,
        Capabilities = capabilities.ToImmutableArray(),
    };

    public T? GetCapability<T>() where T : Capability
    {
        foreach (var c in Capabilities)
            if (c is T t) return t;
        return null;
    }

    public bool Equals(OpenMessage? other) =>
        other is not null && Version == other.Version && MyAs == other.MyAs && HoldTime == other.HoldTime && BgpId == other.BgpId
        && OneCapabilityPerParameter == other.OneCapabilityPerParameter && ExtendedOptionalParameters == other.ExtendedOptionalParameters
        && Capabilities.AsSpan().SequenceEqual(other.Capabilities.AsSpan())
        && OtherParameters.AsSpan().SequenceEqual(other.OtherParameters.AsSpan());

    public override int GetHashCode() => HashCode.Combine(Version, MyAs, HoldTime, BgpId, Hash.Of(Capabilities));
}

/// <summary>MP_REACH_NLRI content (RFC 4760 §3). SNPAs are not kept (RFC 4760 makes them reserved).</summary>
public sealed record MpReach(AddressFamily Family, NextHop NextHop, ImmutableArray<Nlri> Nlri)
{
    public bool Equals(MpReach? other) => other is not null && Family == other.Family && NextHop == other.NextHop && Nlri.AsSpan().SequenceEqual(other.Nlri.AsSpan());
    public override int GetHashCode() => HashCode.Combine(Family, NextHop, Hash.Of(Nlri));
}

/// <summary>MP_UNREACH_NLRI content (RFC 4760 §4). No NLRI = End-of-RIB for the family (RFC 4724 §2).</summary>
public sealed record MpUnreach(AddressFamily Family, ImmutableArray<Nlri> Nlri)
{
    public bool Equals(MpUnreach? other) => other is not null && Family == other.Family && Nlri.AsSpan().SequenceEqual(other.Nlri.AsSpan());
    public override int GetHashCode() => HashCode.Combine(Family, Hash.Of(Nlri));
}

/// <summary>
/// UPDATE (RFC 4271 §4.3) as a value: body withdrawn routes and NLRI (IPv4 unicast), path attributes
/// (null when the attribute block is empty), and MP_REACH/MP_UNREACH (RFC 4760).
/// <see cref="PathAttributes.NextHop"/> here is the NEXT_HOP attribute only.
/// </summary>
public sealed record UpdateMessage : BgpMessage
{
    public override BgpMessageType Type => BgpMessageType.Update;
    public ImmutableArray<Nlri> Withdrawn { get; init; } = ImmutableArray<Nlri>.Empty;
    public PathAttributes? Attributes { get; init; }
    public ImmutableArray<Nlri> Nlri { get; init; } = ImmutableArray<Nlri>.Empty;
    public MpReach? MpReach { get; init; }
    public MpUnreach? MpUnreach { get; init; }

    /// <summary>End-of-RIB marker for <paramref name="family"/> (RFC 4724 §2).</summary>
    public static UpdateMessage EndOfRib(AddressFamily family) =>
        family == AddressFamily.Ipv4Unicast ? new UpdateMessage() : new UpdateMessage { MpUnreach = new MpUnreach(family, ImmutableArray<Nlri>.Empty), Attributes = null };

    /// <summary>True if this is an End-of-RIB marker (RFC 4724 §2): empty UPDATE (IPv4 unicast) or only an empty MP_UNREACH.</summary>
    public bool IsEndOfRib(out AddressFamily family)
    {
        family = AddressFamily.Ipv4Unicast;
        if (!Withdrawn.IsEmpty || !Nlri.IsEmpty || MpReach is not null) return false;
        if (MpUnreach is null) return Attributes is null;
        family = MpUnreach.Family;
        return MpUnreach.Nlri.IsEmpty && (Attributes is null || Attributes.Equals(PathAttributes.Empty));
    }

    public bool Equals(UpdateMessage? other) =>
        other is not null && Withdrawn.AsSpan().SequenceEqual(other.Withdrawn.AsSpan()) && Nlri.AsSpan().SequenceEqual(other.Nlri.AsSpan())
        && Equals(Attributes, other.Attributes) && Equals(MpReach, other.MpReach) && Equals(MpUnreach, other.MpUnreach);

    public override int GetHashCode() => HashCode.Combine(Hash.Of(Withdrawn), Hash.Of(Nlri), Attributes, MpReach, MpUnreach);
}

/// <summary>NOTIFICATION (RFC 4271 §4.5).</summary>
public sealed record NotificationMessage(BgpErrorCode Code, byte Subcode, ImmutableArray<byte> Data) : BgpMessage
{
    public NotificationMessage(BgpErrorCode code, byte subcode) : this(code, subcode, ImmutableArray<byte>.Empty) { }

    public override BgpMessageType Type => BgpMessageType.Notification;

    /// <summary>Cease with an optional shutdown communication (RFC 9003, subcodes 2 and 4 only).</summary>
    public static NotificationMessage Cease(CeaseSubcode subcode, string? shutdownCommunication = null) =>
        shutdownCommunication is null || subcode is not (CeaseSubcode.AdministrativeShutdown or CeaseSubcode.AdministrativeReset)
            ? new NotificationMessage(BgpErrorCode.Cease, (byte)subcode)
            : new NotificationMessage(BgpErrorCode.Cease, (byte)subcode, ShutdownCommunication.Encode(shutdownCommunication));

    /// <summary>
    /// Cease/Hard Reset (RFC 8538 §3) wrapping <paramref name="inner"/>: the data is the inner error code,
    /// subcode and data. With the N bit negotiated, only a Hard Reset makes the receiver flush routes.
    /// </summary>
    public static NotificationMessage HardReset(NotificationMessage inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        var data = new byte[2 + inner.Data.Length];
        data[0] = (byte)inner.Code;
        data[1] = inner.Subcode;
        inner.Data.AsSpan().CopyTo(data.AsSpan(2));
        return new NotificationMessage(BgpErrorCode.Cease, (byte)CeaseSubcode.HardReset, ImmutableArray.Create(data));
    }

    /// <summary>The NOTIFICATION wrapped in a Cease/Hard Reset (RFC 8538 §3); null otherwise or when the data is too short.</summary>
    public NotificationMessage? HardResetInner =>
        Code == BgpErrorCode.Cease && (CeaseSubcode)Subcode == CeaseSubcode.HardReset && Data.Length >= 2
            ? new NotificationMessage((BgpErrorCode)Data[0], Data[1], ImmutableArray.Create(Data.AsSpan()[2..].ToArray()))
            : null;

    /// <summary>The RFC 9003 shutdown communication, when this is Cease/Administrative Shutdown or Reset carrying a valid one.</summary>
    public string? ShutdownMessage =>
        Code == BgpErrorCode.Cease && (CeaseSubcode)Subcode is CeaseSubcode.AdministrativeShutdown or CeaseSubcode.AdministrativeReset
        && ShutdownCommunication.TryDecode(Data.AsSpan(), out string? text) ? text : null;

    public bool Equals(NotificationMessage? other) => other is not null && Code == other.Code && Subcode == other.Subcode && Data.AsSpan().SequenceEqual(other.Data.AsSpan());
    public override int GetHashCode() => HashCode.Combine(Code, Subcode, Hash.Of(Data));

    public override string ToString() => NotificationText.Describe(this);
}

/// <summary>KEEPALIVE (RFC 4271 §4.4): header only.</summary>
public sealed record KeepaliveMessage : BgpMessage
{
    public static KeepaliveMessage Instance { get; } = new();
    public override BgpMessageType Type => BgpMessageType.Keepalive;
}

/// <summary>ROUTE-REFRESH message subtype (RFC 7313 §4, the former Reserved octet).</summary>
public enum RouteRefreshSubtype : byte
{
    Normal = 0,
    BeginningOfRouteRefresh = 1,
    EndOfRouteRefresh = 2,
}

/// <summary>ROUTE-REFRESH (RFC 2918 §3, RFC 7313 §3).</summary>
public sealed record RouteRefreshMessage(AddressFamily Family, RouteRefreshSubtype Subtype = RouteRefreshSubtype.Normal) : BgpMessage
{
    public override BgpMessageType Type => BgpMessageType.RouteRefresh;
}
