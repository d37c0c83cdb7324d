using System.Runtime.InteropServices;

namespace StackBgp.Linux.Netlink;

/// <summary>The few libc calls .NET does not wrap: netlink sockets, their options, setns(2).</summary>
internal static unsafe partial class Native
{
    public const int SockRaw = 3;
    public const int SockDgram = 2;
    public const int SockCloexec = 0x80000;
    public const int SolSocket = 1;
    public const int SoSndBuf = 7;
    public const int SoRcvBuf = 8;
    public const int SoSndBufForce = 32;
    public const int SoRcvBufForce = 33;
    public const int SoAttachFilter = 26;
    public const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(nint fd, void* addr, int addrLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockname(nint fd, void* addr, int* addrLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(nint fd, int level, int name, void* value, int valueLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockopt(nint fd, int level, int name, void* value, int* valueLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(nint fd, int nstype);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    public static int SetInt(nint fd, int level, int name, int value) => setsockopt(fd, level, name, &value, sizeof(int));

    public static int GetInt(nint fd, int level, int name)
    {
        int value = 0;
        int length = sizeof(int);
        return getsockopt(fd, level, name, &value, &length) == 0 ? value : -1;
    }
}
