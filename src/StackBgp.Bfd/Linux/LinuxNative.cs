using System.Runtime.InteropServices;

namespace StackBgp.Bfd.Linux;

/// <summary>
/// The few libc calls the engine needs that .NET sockets do not expose: recvmsg with control
/// messages (TTL / hop limit, packet info), sendto without exceptions, epoll, timerfd, eventfd,
/// setns and timer slack. Linux x86-64 and arm64.
/// </summary>
internal static unsafe partial class LinuxNative
{
    private const string Libc = "libc";

    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const int CLOCK_MONOTONIC = 1;
    public const int TFD_NONBLOCK = 0x800;
    public const int TFD_CLOEXEC = 0x80000;
    public const int TFD_TIMER_ABSTIME = 1;
    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 0x001;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_TRUNC = 0x20;
    public const int CLONE_NEWNET = 0x40000000;
    public const int PR_SET_TIMERSLACK = 29;

    public const int SOL_SOCKET = 1;
    public const int SO_REUSEADDR = 2;
    public const int SO_BINDTODEVICE = 25;
    /// <summary>SO_TIMESTAMPNS_OLD; the control message type SCM_TIMESTAMPNS has the same value.</summary>
    public const int SO_TIMESTAMPNS = 35;
    public const int IPPROTO_IP = 0;
    public const int IP_TTL = 2;
    public const int IP_PKTINFO = 8;
    public const int IP_RECVTTL = 12;
    public const int IPPROTO_IPV6 = 41;
    public const int IPV6_UNICAST_HOPS = 16;
    public const int IPV6_V6ONLY = 26;
    public const int IPV6_RECVPKTINFO = 49;
    public const int IPV6_PKTINFO = 50;
    public const int IPV6_RECVHOPLIMIT = 51;
    public const int IPV6_HOPLIMIT = 52;

    public const ushort AF_INET = 2;
    public const ushort AF_INET6 = 10;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Itimerspec
    {
        public Timespec Interval;
        public Timespec Value;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Iovec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Msghdr
    {
        public void* Name;
        public uint NameLength;
        public Iovec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Cmsghdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    /// <summary>epoll_event is packed (12 octets) on x86-64 and naturally aligned (16) elsewhere.</summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    public static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [LibraryImport(Libc, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport(Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport(Libc, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport(Libc, EntryPoint = "timerfd_create", SetLastError = true)]
    public static partial int TimerfdCreate(int clockId, int flags);

    [LibraryImport(Libc, EntryPoint = "timerfd_settime", SetLastError = true)]
    public static partial int TimerfdSettime(int fd, int flags, Itimerspec* newValue, Itimerspec* oldValue);

    [LibraryImport(Libc, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int Eventfd(uint initval, int flags);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint RecvMsg(int fd, Msghdr* msg, int flags);

    [LibraryImport(Libc, EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(int fd, byte* buffer, nuint length, int flags, byte* address, uint addressLength);

    [LibraryImport(Libc, EntryPoint = "clock_gettime", SetLastError = true)]
    public static partial int ClockGettime(int clockId, Timespec* ts);

    [LibraryImport(Libc, EntryPoint = "setns", SetLastError = true)]
    public static partial int Setns(int fd, int nstype);

    [LibraryImport(Libc, EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    public const int SCHED_FIFO = 1;

    [LibraryImport(Libc, EntryPoint = "sched_setscheduler", SetLastError = true)]
    public static partial int SchedSetscheduler(int pid, int policy, int* param);

    [LibraryImport(Libc, EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint IfNameToIndex(string name);

    /// <summary>CLOCK_MONOTONIC in microseconds (the clock timerfd uses).</summary>
    public static long MonotonicMicroseconds()
    {
        Timespec ts;
        ClockGettime(CLOCK_MONOTONIC, &ts);
        return ts.Seconds * 1_000_000 + ts.Nanoseconds / 1000;
    }

    /// <summary>Moves the calling thread into the named network namespace (/var/run/netns/NAME).</summary>
    public static void EnterNetworkNamespace(string name)
    {
        string path = name.Contains('/', StringComparison.Ordinal) ? name : $"/var/run/netns/{name}";
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        if (Setns((int)handle.DangerousGetHandle(), CLONE_NEWNET) != 0)
        {
            throw new IOException($"setns({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
