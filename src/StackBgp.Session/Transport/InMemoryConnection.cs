using System.IO.Pipelines;
using System.Net;

namespace StackBgp.Session;

/// <summary>
/// Two connected in-memory endpoints (for tests and in-process topologies): what one writes, the
/// other reads. <see cref="Abort"/> closes this side's direction (like a FIN).
/// </summary>
public sealed class InMemoryConnection : IBgpConnection
{
    private readonly Pipe _incoming;
    private readonly Pipe _outgoing;

    private InMemoryConnection(Pipe incoming, Pipe outgoing, IPEndPoint local, IPEndPoint remote, ConnectionDirection direction)
    {
        _incoming = incoming;
        _outgoing = outgoing;
        LocalEndPoint = local;
        RemoteEndPoint = remote;
        Direction = direction;
    }

    public PipeReader Input => _incoming.Reader;
    public PipeWriter Output => _outgoing.Writer;
    public IPEndPoint? LocalEndPoint { get; }
    public IPEndPoint? RemoteEndPoint { get; }
    public ConnectionDirection Direction { get; }

    /// <summary>Creates the pair: the first is the side that connected (Outbound), the second accepted it.</summary>
    public static (InMemoryConnection Client, InMemoryConnection Server) CreatePair(IPEndPoint clientEndPoint, IPEndPoint serverEndPoint, PipeOptions? options = null)
    {
        options ??= new PipeOptions(useSynchronizationContext: false);
        var c2s = new Pipe(options);
        var s2c = new Pipe(options);
        var client = new InMemoryConnection(s2c, c2s, clientEndPoint, serverEndPoint, ConnectionDirection.Outbound);
        var server = new InMemoryConnection(c2s, s2c, serverEndPoint, clientEndPoint, ConnectionDirection.Inbound);
        return (client, server);
    }

    /// <summary>Closes like TCP: what was written is still delivered, then the other side reads end of stream.</summary>
    public void Abort()
    {
        _outgoing.Writer.Complete();
        _incoming.Reader.CancelPendingRead();
    }

    public ValueTask DisposeAsync()
    {
        _outgoing.Writer.Complete();
        _incoming.Writer.Complete();
        _incoming.Reader.CancelPendingRead();
        return ValueTask.CompletedTask;
    }
}
