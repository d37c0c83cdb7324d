using System.Collections.Immutable;
using System.Net;
using StackBgp.Routing;
using StackBgp.Wire;

namespace StackBgp.Routing.Tests;

/// <summary>Records what the RIB sends to one peer, decoded back with Wire.</summary>
internal sealed class RecordingSender : IPeerSender
{
    public List<ReadOnlyMemory<byte>> Raw { get; } = [];
    public List<(CeaseSubcode Subcode, string Reason)> Closed { get; } = [];

    public void Send(ReadOnlyMemory<byte> message) => Raw.Add(message);

    public void Close(CeaseSubcode subcode, string reason) => Closed.Add((subcode, reason));

    /// <summary>Decodes everything sent so far (UPDATEs, route refresh) and clears.</summary>
    public List<Received> Drain(DecodeContext? context = null)
    {
        var ctx = context ?? new DecodeContext { FourOctetAs = true, IsInternal = true };
        var result = new List<Received>();
        foreach (var chunk in Raw)
        {
            var span = chunk.Span;
            while (!span.IsEmpty)
            {
                Assert.True(BgpFraming.TryReadMessage(span, 65535, out var type, out int consumed, out var err), "incomplete message in output");
                Assert.Null(err);
                var body = span[BgpFraming.HeaderLength..consumed];
                if (type == BgpMessageType.Update)
                {
                    var d = new DecodedUpdate();
                    UpdateDecoder.Decode(body, ctx, d);
                    Assert.False(d.IsSessionReset, d.Errors.ToString());
                    if (d.IsEndOfRib) result.Add(new Received(d.EndOfRibFamily, null, [], [], true, null));
                    foreach (var g in d.Groups)
                        result.Add(new Received(g.Family, g.Attributes, [.. g.Announced.Select(n => n.Prefix)], [.. g.Withdrawn.Select(n => n.Prefix)], false, null));
                }
                else if (type == BgpMessageType.RouteRefresh)
                {
                    Assert.True(MessageCodec.TryDecode(type, body, ctx, out var msg, out _));
                    result.Add(new Received(((RouteRefreshMessage)msg!).Family, null, [], [], false, ((RouteRefreshMessage)msg).Subtype));
                }
                span = span[consumed..];
            }
        }
        Raw.Clear();
        return result;
    }
}

internal sealed record Received(AddressFamily Family, PathAttributes? Attributes, ImmutableArray<Prefix> Announced, ImmutableArray<Prefix> Withdrawn, bool EndOfRib, RouteRefreshSubtype? Refresh);

internal sealed class RecordingFib : IFibSink
{
    public List<FibRouteChange> Changes { get; } = [];
    public Dictionary<Prefix, FibRouteChange> Current { get; } = [];

    public void Apply(IReadOnlyList<FibRouteChange> changes)
    {
        foreach (var c in changes)
        {
            Changes.Add(c);
            if (c.IsDelete) Current.Remove(c.Prefix);
            else Current[c.Prefix] = c;
        }
    }

    /// <summary>How many times the RIB said it converged after a restart, and how many changes it had applied by then.</summary>
    public List<int> ConvergedAfter { get; } = [];

    public void Converged() => ConvergedAfter.Add(Changes.Count);
}

internal static class T
{
    public const uint LocalAs = 65000;
    public const uint RouterId = 0x0A000001; // 10.0.0.1

    public static Prefix P(string s) => Prefix.Parse(s);
    public static IPAddress Ip(string s) => IPAddress.Parse(s);
    public static uint Id(string s) => (uint)System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(IPAddress.Parse(s).GetAddressBytes());

    public static PathAttributes Attrs(string nextHop, params uint[] asPath) => new()
    {
        Origin = Origin.Igp,
        AsPath = AsPath.FromSequence(asPath),
        NextHop = NextHop.Parse(nextHop),
    };

    public static RibOptions Options(uint localAs = LocalAs, uint routerId = RouterId) => new() { LocalAs = localAs, RouterId = routerId };

    public static RibActor Actor(RibOptions? options = null, IFibSink? fib = null) => new(options ?? Options(), WireUpdateEncoder.Instance, fib);

    public static PeerDescriptor Peer(int id, string address, uint peerAs, RecordingSender sender, uint localAs = LocalAs, string? local = null, string? routerId = null) => new()
    {
        Id = id,
        Address = Ip(address),
        LocalAddress = Ip(local ?? (address.Contains(':') ? "2001:db8::1" : "10.0.0.1")),
        PeerAs = peerAs,
        LocalAs = localAs,
        RouterId = Id(routerId ?? address),
        Sender = sender,
        ImportPolicy = peerAs == localAs ? null : DelegatePolicy.PermitAll,
        ExportPolicy = peerAs == localAs ? null : DelegatePolicy.PermitAll,
        Families = address.Contains(':') ? [AddressFamily.Ipv6Unicast] : [AddressFamily.Ipv4Unicast],
    };

    public static RibCommand Announce(int peer, PathAttributes attrs, params string[] prefixes)
    {
        var b = new InboundBatch();
        var family = Prefix.Parse(prefixes[0]).IsIpv6 ? AddressFamily.Ipv6Unicast : AddressFamily.Ipv4Unicast;
        b.Add(family, attrs, prefixes.Select(p => new Nlri(Prefix.Parse(p))), []);
        return new RibCommand.Update(peer, b);
    }

    public static RibCommand Withdraw(int peer, params string[] prefixes)
    {
        var b = new InboundBatch();
        var family = Prefix.Parse(prefixes[0]).IsIpv6 ? AddressFamily.Ipv6Unicast : AddressFamily.Ipv4Unicast;
        b.Add(family, null, [], prefixes.Select(p => new Nlri(Prefix.Parse(p))));
        return new RibCommand.Update(peer, b);
    }

    /// <summary>A peer's graceful-restart capability for IPv4 unicast (restart time, F bit, optional long-lived stale time).</summary>
    public static PeerGracefulRestart Gr(int restartSeconds = 120, bool forwarding = true, int longLivedSeconds = 0) => new()
    {
        RestartTime = TimeSpan.FromSeconds(restartSeconds),
        Families = [AddressFamily.Ipv4Unicast],
        ForwardingPreserved = forwarding ? [AddressFamily.Ipv4Unicast] : [],
        LongLivedStaleTime = longLivedSeconds > 0
            ? ImmutableDictionary<AddressFamily, TimeSpan>.Empty.Add(AddressFamily.Ipv4Unicast, TimeSpan.FromSeconds(longLivedSeconds))
            : ImmutableDictionary<AddressFamily, TimeSpan>.Empty,
    };

    public static BgpRouteSnapshot? Route(this RibActor a, string prefix) => a.Read(x => x.SnapshotRoute(Prefix.Parse(prefix)));

    /// <summary>Last announced attributes per prefix and the withdrawn set, from what a sender got.</summary>
    public static (Dictionary<Prefix, PathAttributes> Announced, HashSet<Prefix> Withdrawn, int EndOfRibs) Summarize(List<Received> got)
    {
        var ann = new Dictionary<Prefix, PathAttributes>();
        var wd = new HashSet<Prefix>();
        int eor = 0;
        foreach (var r in got)
        {
            if (r.EndOfRib) eor++;
            foreach (var p in r.Withdrawn) { ann.Remove(p); wd.Add(p); }
            foreach (var p in r.Announced) { ann[p] = r.Attributes!; wd.Remove(p); }
        }
        return (ann, wd, eor);
    }
}
