using System.IO.Pipelines;
using System.Net;

namespace StackBgp.Session;

/// <summary>
/// One transport connection to a peer as the protocol code sees it: a duplex pipe (STYLE.md 1).
/// TCP (<see cref="TcpBgpConnection"/>) and in-memory pairs (<see cref="InMemoryConnection"/>)
/// implement it.
/// </summary>
public interface IBgpConnection : IDuplexPipe, IAsyncDisposable
{
    IPEndPoint? LocalEndPoint { get; }
    IPEndPoint? RemoteEndPoint { get; }

    /// <summary>Outbound = we connected (active open); Inbound = we accepted it.</summary>
    ConnectionDirection Direction { get; }

    /// <summary>Closes the transport now; pending reads complete and writes fail.</summary>
    void Abort();
}

/// <summary>Opens outbound connections to one peer (the FSM's Connect action).</summary>
public interface IBgpConnector
{
    ValueTask<IBgpConnection> ConnectAsync(CancellationToken cancellationToken);

    /// <summary>What to say in the log when a connect attempt gets no answer (e.g. the TCP-MD5 hint).</summary>
    string? NoAnswerHint => null;
}
