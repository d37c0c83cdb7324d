using System.Net;
using StackBgp.Routing;
using StackBgp.Wire;

namespace StackBgp.Routing.Tests;

/// <summary>
/// Several RibActors wired back to back in memory: what one sends is queued as bytes, decoded with
/// Wire and posted to the other (no sockets, no sleeps). <see cref="Pump"/> delivers until quiet.
/// </summary>
internal sealed class Topology
{
    private readonly Queue<(Node To, int PeerId, ReadOnlyMemory<byte> Bytes)> _wire = new();
    private readonly List<Link> _links = [];
    private int _nextSubnet = 1;

    public sealed class Node(string name, RibActor rib, RecordingFib fib, uint asn, uint routerId)
    {
        public string Name { get; } = name;
        public RibActor Rib { get; } = rib;
        public RecordingFib Fib { get; } = fib;
        public uint Asn { get; } = asn;
        public uint RouterId { get; } = routerId;
        public int NextPeerId { get; set; } = 1;
        public BgpRouteSnapshot? Route(string prefix) => Rib.Route(prefix);
    }

    public sealed record Link(Node A, Node B, int PeerIdOnA, int PeerIdOnB, PeerDescriptor OnA, PeerDescriptor OnB);

    private sealed class LinkSender(Topology topo, Func<(Node, int)> target) : IPeerSender
    {
        public bool Closed { get; private set; }
        public void Send(ReadOnlyMemory<byte> message)
        {
            var (node, peer) = target();
            topo._wire.Enqueue((node, peer, message));
        }
        public void Close(CeaseSubcode subcode, string reason) => Closed = true;
    }

    public Node Add(string name, uint asn, Func<RibOptions, RibOptions>? configure = null)
    {
        uint rid = (uint)(0x01010100 + (_nodes.Count + 1)); // 1.1.1.N
        var options = new RibOptions { LocalAs = asn, RouterId = rid, EbgpRequiresPolicy = false };
        if (configure is not null) options = configure(options);
        var fib = new RecordingFib();
        var node = new Node(name, new RibActor(options, WireUpdateEncoder.Instance, fib), fib, asn, rid);
        _nodes.Add(node);
        return node;
    }

    private readonly List<Node> _nodes = [];

    /// <summary>Connects two nodes over a fresh 10.x.y.0/30 link; <paramref name="onA"/>/<paramref name="onB"/> adjust each side's view of the other.</summary>
    public Link Connect(Node a, Node b, Func<PeerDescriptor, PeerDescriptor>? onA = null, Func<PeerDescriptor, PeerDescriptor>? onB = null)
    {
        int n = _nextSubnet++;
        var ipA = IPAddress.Parse($"10.{n / 64}.{(n % 64) * 4 / 256 + n % 64}.1");
        var ipB = IPAddress.Parse($"10.{n / 64}.{(n % 64) * 4 / 256 + n % 64}.2");
        var subnet = Prefix.FromAddress(ipA, 30);
        int idOnA = a.NextPeerId++, idOnB = b.NextPeerId++;
        var descA = new PeerDescriptor // A's view of B
        {
            Id = idOnA, Address = ipB, LocalAddress = ipA, PeerAs = b.Asn, LocalAs = a.Asn, RouterId = b.RouterId,
            Sender = new LinkSender(this, () => (b, idOnB)), SharedSubnet = subnet, Hostname = b.Name,
        };
        var descB = new PeerDescriptor // B's view of A
        {
            Id = idOnB, Address = ipA, LocalAddress = ipB, PeerAs = a.Asn, LocalAs = b.Asn, RouterId = a.RouterId,
            Sender = new LinkSender(this, () => (a, idOnA)), SharedSubnet = subnet, Hostname = a.Name,
        };
        if (onA is not null) descA = onA(descA);
        if (onB is not null) descB = onB(descB);
        var link = new Link(a, b, idOnA, idOnB, descA, descB);
        _links.Add(link);
        a.Rib.Execute(new RibCommand.PeerUp(descA));
        b.Rib.Execute(new RibCommand.PeerUp(descB));
        Pump();
        return link;
    }

    /// <summary>The link fails: both sides see the session go down.</summary>
    public void Fail(Link link)
    {
        link.A.Rib.Execute(new RibCommand.PeerDown(link.PeerIdOnA));
        link.B.Rib.Execute(new RibCommand.PeerDown(link.PeerIdOnB));
        // Messages still queued for the dead sessions are lost.
        var keep = _wire.Where(m => !((m.To == link.A && m.PeerId == link.PeerIdOnA) || (m.To == link.B && m.PeerId == link.PeerIdOnB))).ToList();
        _wire.Clear();
        foreach (var m in keep) _wire.Enqueue(m);
        Pump();
    }

    /// <summary>Delivers queued messages until nothing moves; fails if it never settles.</summary>
    public int Pump(int maxMessages = 100_000)
    {
        int delivered = 0;
        var decoded = new DecodedUpdate();
        while (_wire.Count > 0)
        {
            Assert.True(delivered < maxMessages, $"topology did not converge after {delivered} messages");
            var (to, peerId, bytes) = _wire.Dequeue();
            var span = bytes.Span;
            var commands = new List<RibCommand>();
            var batch = new InboundBatch();
            while (!span.IsEmpty)
            {
                Assert.True(BgpFraming.TryReadMessage(span, 65535, out var type, out int consumed, out var err));
                Assert.Null(err);
                if (type == BgpMessageType.Update)
                {
                    var ctx = new DecodeContext { FourOctetAs = true, IsInternal = PeerIsInternal(to, peerId) };
                    UpdateDecoder.Decode(span[BgpFraming.HeaderLength..consumed], ctx, decoded);
                    Assert.False(decoded.IsSessionReset, decoded.Errors.ToString());
                    if (decoded.IsEndOfRib)
                    {
                        if (batch.MessageCount > 0) commands.Add(new RibCommand.Update(peerId, batch));
                        batch = new InboundBatch();
                        commands.Add(new RibCommand.EndOfRib(peerId, decoded.EndOfRibFamily));
                    }
                    else batch.Add(decoded);
                }
                span = span[consumed..];
                delivered++;
            }
            if (batch.MessageCount > 0) commands.Add(new RibCommand.Update(peerId, batch));
            to.Rib.Execute([.. commands]);
        }
        return delivered;
    }

    private bool PeerIsInternal(Node to, int peerId)
    {
        foreach (var l in _links)
        {
            if (l.A == to && l.PeerIdOnA == peerId) return l.OnA.IsInternal;
            if (l.B == to && l.PeerIdOnB == peerId) return l.OnB.IsInternal;
        }
        return false;
    }
}
