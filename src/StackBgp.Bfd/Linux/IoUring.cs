using System.Runtime.InteropServices;

namespace StackBgp.Bfd.Linux;

/// <summary>
/// A minimal io_uring (Linux ≥ 5.6) used for one thing: transmissions that the kernel carries out
/// at an absolute CLOCK_MONOTONIC time, as a TIMEOUT hard-linked to a SEND. Once submitted, the
/// packet leaves at its time even if every managed thread is suspended by a garbage collection.
/// Only the engine thread touches the rings.
/// </summary>
internal sealed unsafe partial class IoUring : IDisposable
{
    private const int SysIoUringSetup = 425;
    private const int SysIoUringEnter = 426;
    private const long OffSqRing = 0;
    private const long OffCqRing = 0x8000000;
    private const long OffSqes = 0x10000000;
    private const uint FeatSingleMmap = 1;
    // IORING_FEAT_FAST_POLL appeared in 5.7, after IORING_OP_SEND (5.6) and IOSQE_IO_HARDLINK (5.5).
    private const uint FeatFastPoll = 1 << 5;
    private const byte OpTimeout = 11;
    private const byte OpSend = 26;
    private const byte SqeHardLink = 8;
    private const uint TimeoutAbs = 1;
    private const int SqeSize = 64;
    private const int CqeSize = 16;

    private readonly int _fd;
    private readonly byte* _sqRing;
    private readonly byte* _cqRing;
    private readonly byte* _sqes;
    private readonly nuint _sqRingSize;
    private readonly nuint _cqRingSize;
    private readonly nuint _sqesSize;
    private readonly uint* _sqTail;
    private readonly uint* _sqHead;
    private readonly uint _sqMask;
    private readonly uint* _sqArray;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly byte* _cqes;
    private readonly LinuxNative.Timespec* _timespec;
    private uint _pendingSubmit;

    [StructLayout(LayoutKind.Sequential)]
    private struct Params
    {
        public uint SqEntries, CqEntries, Flags, SqThreadCpu, SqThreadIdle, Features, WqFd, Resv0, Resv1, Resv2;
        public uint SqHead, SqTail, SqRingMask, SqRingEntries, SqFlags, SqDropped, SqArray, SqResv1;
        public ulong SqUserAddr;
        public uint CqHead, CqTail, CqRingMask, CqRingEntries, CqOverflow, CqCqes, CqFlags, CqResv1;
        public ulong CqUserAddr;
    }

    private IoUring(int fd, in Params p)
    {
        _fd = fd;
        Entries = p.SqEntries;
        _sqRingSize = p.SqArray + p.SqEntries * sizeof(uint);
        _cqRingSize = p.CqCqes + p.CqEntries * CqeSize;
        bool single = (p.Features & FeatSingleMmap) != 0;
        if (single) _sqRingSize = _cqRingSize = Math.Max(_sqRingSize, _cqRingSize);
        _sqRing = Map(_sqRingSize, OffSqRing);
        _cqRing = single ? _sqRing : Map(_cqRingSize, OffCqRing);
        _sqesSize = p.SqEntries * SqeSize;
        _sqes = Map(_sqesSize, OffSqes);
        _sqHead = (uint*)(_sqRing + p.SqHead);
        _sqTail = (uint*)(_sqRing + p.SqTail);
        _sqMask = *(uint*)(_sqRing + p.SqRingMask);
        _sqArray = (uint*)(_sqRing + p.SqArray);
        _cqHead = (uint*)(_cqRing + p.CqHead);
        _cqTail = (uint*)(_cqRing + p.CqTail);
        _cqMask = *(uint*)(_cqRing + p.CqRingMask);
        _cqes = _cqRing + p.CqCqes;
        _timespec = (LinuxNative.Timespec*)NativeMemory.AllocZeroed((nuint)sizeof(LinuxNative.Timespec));
    }

    public uint Entries { get; }

    /// <summary>Creates a ring, or returns null when io_uring is unavailable (old kernel, disabled by sysctl, seccomp).</summary>
    public static IoUring? TryCreate(uint entries)
    {
        Params p = default;
        long fd = Syscall(SysIoUringSetup, entries, (nint)(&p), 0, 0, 0, 0);
        if (fd < 0) return null;
        if ((p.Features & FeatFastPoll) == 0)
        {
            LinuxNative.Close((int)fd);
            return null;
        }
        try
        {
            return new IoUring((int)fd, p);
        }
        catch (IOException)
        {
            LinuxNative.Close((int)fd);
            return null;
        }
    }

    /// <summary>Free submission slots (two are needed per scheduled packet).</summary>
    public uint FreeSubmissionSlots => Entries - (*_sqTail - Volatile.Read(ref *_sqHead));

    /// <summary>
    /// Queues "at <paramref name="atUs"/> (CLOCK_MONOTONIC µs) send <paramref name="length"/> octets
    /// at <paramref name="buffer"/> on connected socket <paramref name="fd"/>". The buffer must stay
    /// valid until the send's completion is reaped. Call <see cref="Submit"/> afterwards.
    /// </summary>
    public bool TryQueueTimedSend(long atUs, int fd, byte* buffer, int length, ulong userData)
    {
        if (FreeSubmissionSlots < 2) return false;
        // The kernel copies the timespec when the TIMEOUT is prepared (at submit).
        if (_pendingSubmit > 0) Submit();
        _timespec->Seconds = atUs / 1_000_000;
        _timespec->Nanoseconds = atUs % 1_000_000 * 1000;
        uint tail = *_sqTail;
        var timeout = Sqe(tail);
        timeout[0] = OpTimeout;
        timeout[1] = SqeHardLink;       // the SEND runs when the timeout expires (-ETIME is not a failure for a hard link)
        *(int*)(timeout + 4) = -1;
        *(ulong*)(timeout + 8) = 0;     // count: pure timeout
        *(ulong*)(timeout + 16) = (ulong)_timespec;
        *(uint*)(timeout + 24) = 1;
        *(uint*)(timeout + 28) = TimeoutAbs;
        *(ulong*)(timeout + 32) = userData | TimeoutTag;
        var send = Sqe(tail + 1);
        send[0] = OpSend;
        *(int*)(send + 4) = fd;
        *(ulong*)(send + 16) = (ulong)buffer;
        *(uint*)(send + 24) = (uint)length;
        *(uint*)(send + 28) = 0;        // msg_flags
        *(ulong*)(send + 32) = userData;
        _sqArray[tail & _sqMask] = tail & _sqMask;
        _sqArray[(tail + 1) & _sqMask] = (tail + 1) & _sqMask;
        Volatile.Write(ref *_sqTail, tail + 2);
        _pendingSubmit += 2;
        return true;
    }

    /// <summary>Marks the TIMEOUT completions in <see cref="TryReapCompletion"/>.</summary>
    public const ulong TimeoutTag = 1UL << 63;

    /// <summary>Hands queued entries to the kernel (io_uring_enter).</summary>
    public void Submit()
    {
        if (_pendingSubmit == 0) return;
        Syscall(SysIoUringEnter, _fd, _pendingSubmit, 0, 0, 0, 0);
        _pendingSubmit = 0;
    }

    /// <summary>Takes one completion (user data, result) if there is one.</summary>
    public bool TryReapCompletion(out ulong userData, out int result)
    {
        uint head = *_cqHead;
        if (head == Volatile.Read(ref *_cqTail))
        {
            userData = 0;
            result = 0;
            return false;
        }
        byte* cqe = _cqes + (head & _cqMask) * CqeSize;
        userData = *(ulong*)cqe;
        result = *(int*)(cqe + 8);
        Volatile.Write(ref *_cqHead, head + 1);
        return true;
    }

    private byte* Sqe(uint index)
    {
        byte* sqe = _sqes + (index & _sqMask) * SqeSize;
        new Span<byte>(sqe, SqeSize).Clear();
        return sqe;
    }

    private byte* Map(nuint size, long offset)
    {
        void* p = Mmap(null, size, 3 /* PROT_READ|PROT_WRITE */, 0x01 | 0x8000 /* MAP_SHARED|MAP_POPULATE */, _fd, offset);
        if ((nint)p == -1) throw new IOException($"io_uring mmap failed: errno {Marshal.GetLastPInvokeError()}");
        return (byte*)p;
    }

    public void Dispose()
    {
        Munmap(_sqes, _sqesSize);
        if (_cqRing != _sqRing) Munmap(_cqRing, _cqRingSize);
        Munmap(_sqRing, _sqRingSize);
        LinuxNative.Close(_fd);
        NativeMemory.Free(_timespec);
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    private static long Syscall(long number, long a1, nint a2, long a3, long a4, long a5, long a6) => Syscall(number, a1, (long)a2, a3, a4, a5, a6);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(void* addr, nuint length);
}
