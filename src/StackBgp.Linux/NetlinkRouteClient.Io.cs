using StackBgp.Linux.Netlink;

namespace StackBgp.Linux;

/// <summary>Appends one request; returns false (nothing appended) to skip it.</summary>
internal delegate bool RequestEncoder(int index, NetlinkBuilder builder, uint seq);

/// <summary>A reply message (not the final ACK) to request <paramref name="index"/>.</summary>
internal delegate void ReplyHandler(int index, NetlinkMessage message);

/// <summary>The final answer to request <paramref name="index"/>: errno 0 = ACK.</summary>
internal delegate void CompletionHandler(int index, int errno, string? kernelMessage);

internal delegate void DumpHandler(NetlinkMessage message);

public sealed partial class NetlinkRouteClient
{
    /// <summary>
    /// Sends <paramref name="count"/> requests, as many per datagram as fit, and waits after each
    /// datagram until every request in it is answered. Only the datagram's last request asks for
    /// an ACK (NLM_F_ACK): the kernel answers a failed request with its NLMSG_ERROR anyway, and it
    /// handles a datagram's requests in order inside sendmsg, so once the last one's answer is read
    /// every earlier error (and reply) has been read too, and a request without one succeeded.
    /// That is one receive per datagram instead of one per route. A lost answer (receive-buffer
    /// overrun) completes the unanswered requests with ENOBUFS: their outcome is unknown.
    /// </summary>
    internal async Task RunAsync(int count, RequestEncoder encode, ReplyHandler? onReply, CompletionHandler onDone, CancellationToken cancellationToken)
    {
        int chunkCapacity = Math.Min(count, _maxPerChunk);
        int[] map = new int[chunkCapacity];
        bool[] done = new bool[chunkCapacity];
        int[] starts = new int[chunkCapacity];
        int next = 0;
        while (next < count)
        {
            _builder.Reset();
            uint first = _seq;
            int n = 0;
            while (next < count && n < chunkCapacity && _builder.Length < MaxChunkBytes)
            {
                int mark = _builder.Length;
                if (encode(next, _builder, unchecked(first + (uint)n)))
                {
                    starts[n] = mark;
                    map[n++] = next;
                }
                else
                {
                    _builder.Truncate(mark);
                }

                next++;
            }

            if (n == 0)
            {
                continue;
            }

            for (int i = 0; i < n - 1; i++)
            {
                _builder.ClearFlags(starts[i], Nl.FAck);
            }

            _seq = unchecked(_seq + (uint)n);
            Array.Clear(done, 0, n);
            _socket.Send(_builder.Written);
            int pending = n;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            while (pending > 0)
            {
                ReadOnlyMemory<byte> datagram;
                try
                {
                    datagram = await _socket.ReceiveAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (NetlinkOverrunException)
                {
                    for (int i = 0; i < n; i++)
                    {
                        if (!done[i])
                        {
                            done[i] = true;
                            onDone(map[i], Errno.ENOBUFS, "acknowledgement lost (netlink receive buffer overrun); outcome unknown");
                        }
                    }

                    break;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"rtnetlink: {pending} of {n} requests unanswered after {Timeout.TotalSeconds:0} s");
                }

                pending -= Dispatch(datagram.Span, first, n, map, done, onReply, onDone);
            }
        }
    }

    private static int Dispatch(ReadOnlySpan<byte> datagram, uint first, int n, int[] map, bool[] done, ReplyHandler? onReply, CompletionHandler onDone)
    {
        int completed = 0;
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out NetlinkMessage m))
        {
            uint offset = unchecked(m.Seq - first);
            if (offset >= (uint)n)
            {
                continue; // an answer to an older batch (e.g. after a timeout): not ours any more
            }

            if (m.Type == Nl.Error)
            {
                int errno = m.ReadError(out string? text);
                if (!done[offset])
                {
                    done[offset] = true;
                    completed++;
                    onDone(map[offset], errno, text);
                }

                if (offset == n - 1)
                {
                    // The last request's answer: every earlier request without an error succeeded.
                    for (int i = 0; i < n - 1; i++)
                    {
                        if (!done[i])
                        {
                            done[i] = true;
                            completed++;
                            onDone(map[i], 0, null);
                        }
                    }
                }
            }
            else if (m.Type != Nl.Done && m.Type != Nl.Noop)
            {
                onReply?.Invoke(map[offset], m);
            }
        }

        return completed;
    }

    /// <summary>
    /// Sends one dump request and hands every message of the answer to <paramref name="onMessage"/>
    /// until NLMSG_DONE. If a message carries NLM_F_DUMP_INTR (the table changed while it was
    /// being dumped) the dump is repeated (<paramref name="restart"/> is called first), up to 5 times.
    /// </summary>
    internal async Task DumpAsync(Action<NetlinkBuilder> encode, DumpHandler onMessage, Action restart, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            _builder.Reset();
            uint seq = _seq;
            encode(_builder);
            _seq = unchecked(_seq + 1);
            _socket.Send(_builder.Written);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            var state = new DumpState();
            while (!state.Done)
            {
                ReadOnlyMemory<byte> datagram;
                try
                {
                    datagram = await _socket.ReceiveAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"rtnetlink dump unanswered after {Timeout.TotalSeconds:0} s");
                }

                DispatchDump(datagram.Span, seq, onMessage, ref state);
            }

            if (state.Errno != 0)
            {
                throw new NetlinkException(state.Errno, state.Text, "rtnetlink dump");
            }

            if (!state.Interrupted || attempt >= 4)
            {
                return;
            }

            restart();
        }
    }

    private static void DispatchDump(ReadOnlySpan<byte> datagram, uint seq, DumpHandler onMessage, ref DumpState state)
    {
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out NetlinkMessage m))
        {
            if (m.Seq != seq)
            {
                continue;
            }

            state.Interrupted |= (m.Flags & Nl.FDumpIntr) != 0;
            if (m.Type == Nl.Done)
            {
                state.Done = true;
            }
            else if (m.Type == Nl.Error)
            {
                // A dump is answered by NLMSG_DONE; an NLMSG_ERROR means the request failed.
                state.Errno = m.ReadError(out state.Text);
                state.Done |= state.Errno != 0;
            }
            else
            {
                onMessage(m);
            }
        }
    }

    private struct DumpState
    {
        public bool Done;
        public bool Interrupted;
        public int Errno;
        public string? Text;
    }
}
