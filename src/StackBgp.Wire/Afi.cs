namespace StackBgp.Wire;

/// <summary>Address Family Identifier (IANA "Address Family Numbers").</summary>
public enum Afi : ushort
{
    Ipv4 = 1,
    Ipv6 = 2,
}

/// <summary>Subsequent Address Family Identifier (RFC 4760 §6).</summary>
public enum Safi : byte
{
    Unicast = 1,
    Multicast = 2,
}

/// <summary>An AFI/SAFI pair; the unit of capability negotiation, End-of-RIB and RIBs.</summary>
public readonly record struct AddressFamily(Afi Afi, Safi Safi)
{
    public static readonly AddressFamily Ipv4Unicast = new(Afi.Ipv4, Safi.Unicast);
    public static readonly AddressFamily Ipv6Unicast = new(Afi.Ipv6, Safi.Unicast);

    // Compared and hashed per prefix on hot paths: written out over the numeric values, because the
    // synthesized members go through EqualityComparer<enum>, which the ahead-of-time compiled daemon
    // was seen boxing (two boxes per comparison in the 1M allocation profile).
    public bool Equals(AddressFamily other) => (ushort)Afi == (ushort)other.Afi && (byte)Safi == (byte)other.Safi;

    public override int GetHashCode() => ((ushort)Afi << 8) | (byte)Safi;

    public override string ToString() => (Afi, Safi) switch
    {
        (Afi.Ipv4, Safi.Unicast) => "ipv4 unicast",
        (Afi.Ipv6, Safi.Unicast) => "ipv6 unicast",
        _ => $"afi {(ushort)Afi} safi {(byte)Safi}",
    };
}
