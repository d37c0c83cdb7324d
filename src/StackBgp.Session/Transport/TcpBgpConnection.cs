using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace StackBgp.Session;

/// <summary>A TCP socket seen as a duplex pipe (the adapter of STYLE.md 1).</summary>
public sealed class TcpBgpConnection : IBgpConnection
{
    private readonly NetworkStream _stream;
    private int _closed;

    public TcpBgpConnection(Socket socket, ConnectionDirection direction)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Socket = socket;
        Direction = direction;
        socket.NoDelay = true;
        LocalEndPoint = socket.LocalEndPoint as IPEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
        _stream = new NetworkStream(socket, ownsSocket: false);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 65536, minimumReadSize: 4096, leaveOpen: true));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 4096, leaveOpen: true));
    }

    /// <summary>The socket, for option checks (TTL, MD5) and tests.</summary>
    public Socket Socket { get; }
    public PipeReader Input { get; }
    public PipeWriter Output { get; }
    public IPEndPoint? LocalEndPoint { get; }
    public IPEndPoint? RemoteEndPoint { get; }
    public ConnectionDirection Direction { get; }

    public void Abort()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // already reset by the peer
        }
        catch (ObjectDisposedException)
        {
            // already closed
        }
        Input.CancelPendingRead();
        Socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        Abort();
        // Completing the writer flushes what it still buffers into the (now closed) socket: ignore that.
        try
        {
            await Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
        try
        {
            await Input.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
