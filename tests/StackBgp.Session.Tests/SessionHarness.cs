using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.IO.Pipelines;
using System.Net;
using StackBgp.Wire;

namespace StackBgp.Session.Tests;

/// <summary>Records everything a session reports.</summary>
public sealed class RecordingHandler : ISessionHandler
{
    public ConcurrentQueue<string> Events { get; } = new();
    public ConcurrentQueue<Nlri> Announced { get; } = new();
    public ConcurrentQueue<Nlri> Withdrawn { get; } = new();
    public ConcurrentQueue<SessionDownReason> Downs { get; } = new();
    public ConcurrentQueue<AddressFamily> EndOfRib { get; } = new();
    public ConcurrentQueue<(AddressFamily, RouteRefreshSubtype)> Refreshes { get; } = new();
    public NegotiatedSession? Negotiated { get; private set; }
    public int EstablishedCount => _established;
    private int _established;
    public PathAttributes? LastAttributes { get; private set; }

    public ValueTask OnEstablishedAsync(BgpSession session, NegotiatedSession negotiated)
    {
        Negotiated = negotiated;
        Interlocked.Increment(ref _established);
        Events.Enqueue("up");
        return ValueTask.CompletedTask;
    }

    public ValueTask OnUpdateAsync(BgpSession session, DecodedUpdate update)
    {
        foreach (var g in update.Groups)
        {
            foreach (var n in g.Announced) Announced.Enqueue(n);
            foreach (var n in g.Withdrawn) Withdrawn.Enqueue(n);
            if (g.Attributes is not null) LastAttributes = g.Attributes;
        }
        Events.Enqueue($"update {update.Action}");
        return ValueTask.CompletedTask;
    }

    public ValueTask OnEndOfRibAsync(BgpSession session, AddressFamily family)
    {
        EndOfRib.Enqueue(family);
        Events.Enqueue($"eor {family}");
        return ValueTask.CompletedTask;
    }

    public ValueTask OnRouteRefreshAsync(BgpSession session, AddressFamily family, RouteRefreshSubtype subtype)
    {
        Refreshes.Enqueue((family, subtype));
        Events.Enqueue($"refresh {family} {subtype}");
        return ValueTask.CompletedTask;
    }

    public ValueTask OnDownAsync(BgpSession session, SessionDownReason reason)
    {
        Downs.Enqueue(reason);
        Events.Enqueue($"down {reason.Kind}");
        return ValueTask.CompletedTask;
    }

    public string All => string.Join(" | ", Events);
}

/// <summary>Active open over an in-memory pair: the accepting side goes to <see cref="Target"/>.</summary>
public sealed class InMemoryConnector(IPEndPoint local, IPEndPoint remote) : IBgpConnector
{
    public Action<IBgpConnection>? Target { get; set; }
    public PipeOptions? PipeOptions { get; set; }
    public int Attempts => _attempts;
    private int _attempts;
    public bool Refuse { get; set; }

    public ValueTask<IBgpConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _attempts);
        if (Refuse || Target is null) throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused);
        var (client, server) = InMemoryConnection.CreatePair(local, remote, PipeOptions);
        Target(server);
        return ValueTask.FromResult<IBgpConnection>(client);
    }
}

/// <summary>A scripted BGP speaker on the far end of an in-memory connection.</summary>
public sealed class RawPeer(IBgpConnection connection)
{
    public IBgpConnection Connection { get; } = connection;
    public DecodeContext Context { get; set; }

    public async Task SendAsync(BgpMessage message)
    {
        await Connection.Output.WriteAsync(MessageCodec.Encode(message));
    }

    public async Task SendRawAsync(byte[] bytes) => await Connection.Output.WriteAsync(bytes);

    /// <summary>Reads the next whole message (fails after the timeout).</summary>
    public async Task<BgpMessage> ReadAsync(int timeoutMs = 10000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        while (true)
        {
            var r = await Connection.Input.ReadAsync(cts.Token);
            var buffer = r.Buffer;
            if (BgpFraming.TryReadMessage(ref buffer, DecodeContext.ExtendedMaxLength, out var type, out var body, out var err))
            {
                Assert(err is null, $"bad header from the session: {err}");
                var bytes = body.ToArray();
                Connection.Input.AdvanceTo(buffer.Start);
                Assert(MessageCodec.TryDecode(type, bytes, Context, out var msg, out var derr), $"undecodable {type}: {derr}");
                return msg!;
            }
            if (r.IsCompleted) throw new IOException("session closed the connection");
            Connection.Input.AdvanceTo(r.Buffer.Start, r.Buffer.End);
        }
    }

    public async Task<T> ReadAsync<T>(int timeoutMs = 10000) where T : BgpMessage
    {
        var m = await ReadAsync(timeoutMs);
        Assert(m is T, $"expected {typeof(T).Name}, got {m}");
        return (T)m;
    }

    /// <summary>True when the session closed its side (EOF or reset) within the timeout.</summary>
    public async Task<bool> ClosedAsync(int timeoutMs = 10000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            while (true)
            {
                var r = await Connection.Input.ReadAsync(cts.Token);
                Connection.Input.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted) return true;
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static void Assert(bool condition, string message)
    {
        if (!condition) throw new Xunit.Sdk.XunitException(message);
    }
}

public static class Sessions
{
    public static readonly IPAddress A = IPAddress.Parse("10.0.0.1");
    public static readonly IPAddress B = IPAddress.Parse("10.0.0.2");

    public static SessionConfig Config(IPAddress peer, uint localAs, uint peerAs, uint routerId, Func<SessionConfig, SessionConfig>? tweak = null)
    {
        var c = new SessionConfig
        {
            LocalAs = localAs,
            PeerAs = peerAs,
            LocalBgpId = routerId,
            PeerAddress = peer,
            HoldTime = 9,
            KeepaliveTime = TimeSpan.FromSeconds(3),
            ConnectRetryTime = TimeSpan.FromSeconds(10),
            Families = [AddressFamily.Ipv4Unicast, AddressFamily.Ipv6Unicast],
        };
        return tweak is null ? c : tweak(c);
    }

    public static OpenMessage PeerOpen(uint asn, uint id, ushort hold = 9, params Capability[] caps) =>
        OpenMessage.Create(asn, hold, id, caps.Length == 0
            ? [new MultiprotocolCapability(AddressFamily.Ipv4Unicast), new FourOctetAsCapability(asn), new RouteRefreshCapability()]
            : caps);

    public static byte[] Update(EncodeContext ctx, PathAttributes attrs, params string[] prefixes) =>
        MessageCodec.Encode(new UpdateMessage
        {
            Attributes = attrs,
            Nlri = prefixes.Select(p => new Nlri(Prefix.Parse(p))).ToImmutableArray(),
        }, ctx);

    public static PathAttributes Attrs(uint firstAs, string nextHop) => new()
    {
        Origin = Origin.Igp,
        AsPath = AsPath.FromSequence(firstAs),
        NextHop = NextHop.Parse(nextHop),
    };
}
