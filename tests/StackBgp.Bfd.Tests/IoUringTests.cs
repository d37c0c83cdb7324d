using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackBgp.Bfd.Linux;

namespace StackBgp.Bfd.Tests;

/// <summary>Kernel-timed sends keep going while the thread that queued them is blocked (as in a GC suspension).</summary>
public class IoUringTests
{
    [Fact]
    public unsafe void Timed_sends_leave_on_time_while_the_submitting_thread_is_blocked()
    {
        using var ring = IoUring.TryCreate(64);
        Assert.NotNull(ring); // io_uring is part of the platform we run on; a null here is a setup failure
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        receiver.ReceiveTimeout = 5000;
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Connect(receiver.LocalEndPoint!);

        var arrivals = new List<(byte Tag, long Us)>();
        var reader = new Thread(() =>
        {
            var buffer = new byte[64];
            for (int i = 0; i < 5; i++)
            {
                int n = receiver.Receive(buffer);
                arrivals.Add((buffer[0], LinuxNative.MonotonicMicroseconds()));
            }
        });
        reader.Start();

        var payload = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(5 * 64);
        long start = LinuxNative.MonotonicMicroseconds();
        var scheduled = new long[5];
        var queuedBy = new Thread(() =>
        {
            for (int i = 0; i < 5; i++)
            {
                payload[i * 64] = (byte)i;
                scheduled[i] = start + 30_000 + i * 20_000;
                Assert.True(ring!.TryQueueTimedSend(scheduled[i], (int)sender.Handle, payload + i * 64, 24, (ulong)i));
            }
            ring!.Submit();
            // Simulated stall: this thread stays blocked past every send time, like a thread held by the GC.
            using var never = new ManualResetEventSlim();
            never.Wait(TimeSpan.FromMilliseconds(250));
        });
        queuedBy.Start();
        reader.Join();
        queuedBy.Join();
        System.Runtime.InteropServices.NativeMemory.Free(payload);

        Assert.Equal([0, 1, 2, 3, 4], arrivals.Select(a => a.Tag));
        for (int i = 0; i < 5; i++)
        {
            long late = arrivals[i].Us - scheduled[i];
            Assert.True(late >= 0, $"packet {i} left {-late} µs early");
            Console.WriteLine($"packet {i}: {late} µs after its time");
        }
        int completions = 0;
        while (ring!.TryReapCompletion(out _, out _)) completions++;
        Assert.Equal(10, completions);
    }
}
