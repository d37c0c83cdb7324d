using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace StackBgp.Bench.Daemon;

/// <summary>
/// The smallest BGP speaker the benchmark needs, on a blocking socket: OPEN with the capabilities
/// Multiprotocol IPv4 unicast (RFC 4760), Route Refresh (RFC 2918) and 4-octet AS (RFC 6793),
/// KEEPALIVE exchange to Established (RFC 4271 §8.2.2), then a reader thread that hands every
/// message to a callback and a keepalive thread. Writes are serialized by one lock, so the
/// injector's big writes and the keepalives never interleave inside a message.
/// </summary>
internal sealed class BgpConnection : IDisposable
{
    public const int HoldTime = 180;
    private const int ReadBuffer = 1 << 20;
    private readonly Socket _socket;
    private readonly Lock _writeLock = new();
    private readonly byte[] _keepalive = Header(19, 4);
    private volatile bool _closed;

    private BgpConnection(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _socket.SendBufferSize = 4 << 20;
        _socket.ReceiveBufferSize = 4 << 20;
    }

    public string Remote => _socket.RemoteEndPoint?.ToString() ?? "?";

    /// <summary>Connects from <paramref name="local"/> to <paramref name="remote"/>:179, retrying until the deadline (the daemon may still be starting).</summary>
    public static BgpConnection Connect(IPAddress local, IPAddress remote, int port, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var s = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                s.Bind(new IPEndPoint(local, 0));
                s.Connect(new IPEndPoint(remote, port));
                return new BgpConnection(s);
            }
            catch (SocketException e) when (DateTime.UtcNow < deadline)
            {
                s.Dispose();
                _ = e;
                Thread.Sleep(100); // retry pace while the daemon binds its port
            }
            catch
            {
                s.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Connects and establishes, starting over (until the deadline) when the daemon resets or refuses
    /// the session while it is still starting — some accept connections before their neighbors are configured.
    /// </summary>
    public static BgpConnection ConnectAndEstablish(IPAddress local, IPAddress remote, int port, uint localAs, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            BgpConnection c = Connect(local, remote, port, deadline - DateTime.UtcNow);
            try
            {
                c.Establish(localAs, Args.ToUInt(local));
                return c;
            }
            catch (Exception e) when (e is SocketException or InvalidOperationException && DateTime.UtcNow < deadline)
            {
                c.Dispose();
                Console.Error.WriteLine($"bench: session to {remote} failed during the handshake ({e.Message}); retrying");
                Thread.Sleep(500); // retry pace while the daemon finishes starting
            }
        }
    }

    public static BgpConnection Accept(Socket listener) => new(listener.Accept());

    /// <summary>OPEN both ways, KEEPALIVE both ways; throws with the peer's NOTIFICATION when it refuses.</summary>
    public void Establish(uint localAs, uint routerId)
    {
        Send(Open(localAs, routerId));
        byte[] buffer = new byte[4096];
        bool gotOpen = false;
        while (true)
        {
            (int type, int length) = ReadOne(buffer);
            switch (type)
            {
                case 1:
                    CheckOpen(buffer.AsSpan(0, length));
                    gotOpen = true;
                    Send(_keepalive);
                    break;
                case 3:
                    throw new InvalidOperationException($"{Remote} sent NOTIFICATION {buffer[19]}/{buffer[20]} during the handshake");
                case 4 when gotOpen:
                    return;
                default:
                    break;
            }
        }
    }

    /// <summary>Starts the keepalive thread and a reader thread calling <paramref name="onMessage"/>(message, receive timestamp) for each message.</summary>
    public void Run(Action<ReadOnlySpan<byte>, long> onMessage, string name)
    {
        var keepalive = new Thread(() =>
        {
            while (!_closed)
            {
                Thread.Sleep(TimeSpan.FromSeconds(HoldTime / 6)); // RFC 4271 §10: a third of the hold time or less
                if (!_closed)
                {
                    try
                    {
                        Send(_keepalive);
                    }
                    catch (SocketException)
                    {
                        return;
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                }
            }
        }) { IsBackground = true, Name = name + " keepalive" };
        keepalive.Start();
        var reader = new Thread(() => ReadLoop(onMessage)) { IsBackground = true, Name = name + " reader" };
        reader.Start();
    }

    /// <summary>Sends bytes that hold whole messages (the lock keeps keepalives between them).</summary>
    public void Send(ReadOnlySpan<byte> bytes)
    {
        lock (_writeLock)
        {
            while (bytes.Length > 0)
            {
                int n = _socket.Send(bytes);
                bytes = bytes[n..];
            }
        }
    }

    public void Dispose()
    {
        _closed = true;
        _socket.Dispose();
    }

    private void ReadLoop(Action<ReadOnlySpan<byte>, long> onMessage)
    {
        byte[] buf = new byte[ReadBuffer];
        int filled = 0;
        try
        {
            while (!_closed)
            {
                int n = _socket.Receive(buf, filled, buf.Length - filled, SocketFlags.None);
                if (n == 0)
                {
                    if (!_closed)
                    {
                        Console.Error.WriteLine($"bench: {Remote} closed the session");
                    }

                    return;
                }

                long now = System.Diagnostics.Stopwatch.GetTimestamp();
                filled += n;
                int o = 0;
                while (filled - o >= 19)
                {
                    int len = BinaryPrimitives.ReadUInt16BigEndian(buf.AsSpan(o + 16));
                    if (len < 19 || len > 65535)
                    {
                        throw new InvalidDataException($"bad BGP length {len} from {Remote}");
                    }

                    if (filled - o < len)
                    {
                        break;
                    }

                    ReadOnlySpan<byte> m = buf.AsSpan(o, len);
                    if (m[18] == 3)
                    {
                        Console.Error.WriteLine($"bench: {Remote} sent NOTIFICATION {m[19]}/{m[20]}");
                    }

                    onMessage(m, now);
                    o += len;
                }

                Buffer.BlockCopy(buf, o, buf, 0, filled - o);
                filled -= o;
            }
        }
        catch (SocketException) when (_closed)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"bench: session with {Remote}: {e.Message}");
        }
    }

    private (int Type, int Length) ReadOne(byte[] buffer)
    {
        ReadExactly(buffer.AsSpan(0, 19));
        int len = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(16));
        if (len < 19 || len > buffer.Length)
        {
            throw new InvalidDataException($"bad BGP length {len} from {Remote} during the handshake");
        }

        ReadExactly(buffer.AsSpan(19, len - 19));
        return (buffer[18], len);
    }

    private void ReadExactly(Span<byte> span)
    {
        while (span.Length > 0)
        {
            int n = _socket.Receive(span);
            if (n == 0)
            {
                throw new InvalidOperationException($"{Remote} closed the connection during the handshake");
            }

            span = span[n..];
        }
    }

    // The peer must announce 4-octet AS: the injector and monitor encode and decode AS_PATH with
    // 4-octet ASNs only (RFC 6793 §4.1).
    private void CheckOpen(ReadOnlySpan<byte> m)
    {
        int optLen = m[28];
        ReadOnlySpan<byte> opt = m.Slice(29, optLen);
        while (opt.Length >= 2)
        {
            int plen = opt[1];
            if (opt[0] == 2)
            {
                ReadOnlySpan<byte> caps = opt.Slice(2, plen);
                while (caps.Length >= 2)
                {
                    if (caps[0] == 65)
                    {
                        return;
                    }

                    caps = caps[(2 + caps[1])..];
                }
            }

            opt = opt[(2 + plen)..];
        }

        throw new InvalidOperationException($"{Remote} did not announce the 4-octet AS capability");
    }

    // RFC 4271 §4.2 OPEN with one Capabilities parameter (RFC 5492):
    // MP IPv4 unicast (1, len 4), Route Refresh (2, len 0), 4-octet AS (65, len 4).
    private static byte[] Open(uint localAs, uint routerId)
    {
        byte[] caps = [1, 4, 0, 1, 0, 1, 2, 0, 65, 4, 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt32BigEndian(caps.AsSpan(10), localAs);
        int len = 29 + 2 + caps.Length;
        byte[] m = Header(len, 1);
        m[19] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(20), localAs > 65535 ? (ushort)23456 : (ushort)localAs);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(22), HoldTime);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(24), routerId);
        m[28] = (byte)(2 + caps.Length);
        m[29] = 2;
        m[30] = (byte)caps.Length;
        caps.CopyTo(m, 31);
        return m;
    }

    private static byte[] Header(int length, byte type)
    {
        byte[] m = new byte[length];
        m.AsSpan(0, 16).Fill(0xFF);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(16), (ushort)length);
        m[18] = type;
        return m;
    }
}
