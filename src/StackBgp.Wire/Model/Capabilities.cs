using System.Collections.Immutable;

namespace StackBgp.Wire;

/// <summary>Capability codes (IANA "Capability Codes").</summary>
public enum CapabilityCode : byte
{
    Multiprotocol = 1,
    RouteRefresh = 2,
    ExtendedNextHop = 5,
    ExtendedMessage = 6,
    Role = 9,
    GracefulRestart = 64,
    FourOctetAs = 65,
    AddPath = 69,
    EnhancedRouteRefresh = 70,
    LongLivedGracefulRestart = 71,
    Fqdn = 73,
    /// <summary>Pre-standard (Cisco) route refresh, still sent by some speakers alongside code 2.</summary>
    RouteRefreshOld = 128,
}

/// <summary>Base of all capabilities carried in OPEN optional parameter 2 (RFC 5492).</summary>
public abstract record Capability
{
    public abstract CapabilityCode Code { get; }
}

/// <summary>Multiprotocol extensions (RFC 4760 §8).</summary>
public sealed record MultiprotocolCapability(AddressFamily Family) : Capability
{
    public override CapabilityCode Code => CapabilityCode.Multiprotocol;
}

/// <summary>Route refresh (RFC 2918); <see cref="Old"/> = the pre-standard code 128.</summary>
public sealed record RouteRefreshCapability(bool Old = false) : Capability
{
    public override CapabilityCode Code => Old ? CapabilityCode.RouteRefreshOld : CapabilityCode.RouteRefresh;
}

/// <summary>Enhanced route refresh (RFC 7313 §3).</summary>
public sealed record EnhancedRouteRefreshCapability : Capability
{
    public override CapabilityCode Code => CapabilityCode.EnhancedRouteRefresh;
}

/// <summary>Support for 4-octet AS numbers (RFC 6793 §3) with the speaker's real ASN.</summary>
public sealed record FourOctetAsCapability(uint Asn) : Capability
{
    public override CapabilityCode Code => CapabilityCode.FourOctetAs;
}

/// <summary>Extended message (RFC 8654): messages up to 65535 octets.</summary>
public sealed record ExtendedMessageCapability : Capability
{
    public override CapabilityCode Code => CapabilityCode.ExtendedMessage;
}

/// <summary>Add-path direction (RFC 7911 §4).</summary>
[Flags]
public enum AddPathMode : byte
{
    None = 0,
    Receive = 1,
    Send = 2,
    Both = 3,
}

public readonly record struct AddPathEntry(AddressFamily Family, AddPathMode Mode);

/// <summary>ADD-PATH (RFC 7911 §4): per AFI/SAFI whether the speaker can send and/or receive path ids.</summary>
public sealed record AddPathCapability(ImmutableArray<AddPathEntry> Entries) : Capability
{
    public override CapabilityCode Code => CapabilityCode.AddPath;
    public bool Equals(AddPathCapability? other) => other is not null && Entries.AsSpan().SequenceEqual(other.Entries.AsSpan());
    public override int GetHashCode() => Hash.Of(Entries);
}

/// <summary>One extended next hop tuple (RFC 8950 §3): NLRI of <see cref="Family"/> may use a next hop of <see cref="NextHopAfi"/>.</summary>
public readonly record struct ExtendedNextHopEntry(AddressFamily Family, Afi NextHopAfi);

/// <summary>Extended next hop encoding (RFC 8950 §3), e.g. IPv4 unicast over an IPv6 next hop.</summary>
public sealed record ExtendedNextHopCapability(ImmutableArray<ExtendedNextHopEntry> Entries) : Capability
{
    public override CapabilityCode Code => CapabilityCode.ExtendedNextHop;
    public bool Equals(ExtendedNextHopCapability? other) => other is not null && Entries.AsSpan().SequenceEqual(other.Entries.AsSpan());
    public override int GetHashCode() => Hash.Of(Entries);
}

/// <summary>Graceful restart per-family tuple (RFC 4724 §3): forwarding state preserved (F bit).</summary>
public readonly record struct GracefulRestartFamily(AddressFamily Family, bool ForwardingPreserved);

/// <summary>
/// Graceful restart (RFC 4724 §3, RFC 8538 N bit): restart flags (R = 0x8, N = 0x4 of the high nibble),
/// restart time (12 bits, seconds) and per-family forwarding flags.
/// </summary>
public sealed record GracefulRestartCapability(bool Restarting, bool Notification, ushort RestartTime, ImmutableArray<GracefulRestartFamily> Families) : Capability
{
    public override CapabilityCode Code => CapabilityCode.GracefulRestart;
    public bool Equals(GracefulRestartCapability? other) =>
        other is not null && Restarting == other.Restarting && Notification == other.Notification
        && RestartTime == other.RestartTime && Families.AsSpan().SequenceEqual(other.Families.AsSpan());
    public override int GetHashCode() => HashCode.Combine(Restarting, Notification, RestartTime, Hash.Of(Families));
}

/// <summary>Long-lived GR per-family tuple (RFC 9494 §3): flags (F bit 0x80) and 24-bit stale time in seconds.</summary>
public readonly record struct LlgrFamily(AddressFamily Family, bool ForwardingPreserved, uint StaleTime);

/// <summary>Long-lived graceful restart (RFC 9494 §3).</summary>
public sealed record LongLivedGracefulRestartCapability(ImmutableArray<LlgrFamily> Families) : Capability
{
    public override CapabilityCode Code => CapabilityCode.LongLivedGracefulRestart;
    public bool Equals(LongLivedGracefulRestartCapability? other) => other is not null && Families.AsSpan().SequenceEqual(other.Families.AsSpan());
    public override int GetHashCode() => Hash.Of(Families);
}

/// <summary>Hostname capability (draft-walton-bgp-hostname-capability, code 73, sent by FRR): host name and domain name.</summary>
public sealed record FqdnCapability(string HostName, string DomainName) : Capability
{
    public override CapabilityCode Code => CapabilityCode.Fqdn;
}

/// <summary>BGP role (RFC 9234 §4.1).</summary>
public enum BgpRole : byte
{
    Provider = 0,
    RouteServer = 1,
    RouteServerClient = 2,
    Customer = 3,
    Peer = 4,
}

/// <summary>BGP role capability (RFC 9234 §4.1).</summary>
public sealed record RoleCapability(BgpRole Role) : Capability
{
    public override CapabilityCode Code => CapabilityCode.Role;
}

/// <summary>A capability this codec does not interpret, or one whose value was malformed: kept raw (RFC 5492 §3).</summary>
public sealed record UnknownCapability(byte RawCode, ImmutableArray<byte> Value) : Capability
{
    public override CapabilityCode Code => (CapabilityCode)RawCode;
    public bool Equals(UnknownCapability? other) => other is not null && RawCode == other.RawCode && Value.AsSpan().SequenceEqual(other.Value.AsSpan());
    public override int GetHashCode() => HashCode.Combine(RawCode, Hash.Of(Value));
}

internal static class Hash
{
    public static int Of<T>(ImmutableArray<T> items)
    {
        var h = new HashCode();
        if (!items.IsDefault)
            foreach (var i in items) h.Add(i);
        return h.ToHashCode();
    }
}
