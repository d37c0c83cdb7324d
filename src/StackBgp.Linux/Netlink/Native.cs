using System.Buffers.Binary;
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

    /// <summary>Attaches a classic BPF socket filter (SO_ATTACH_FILTER); each instruction is
    /// (code, jt, jf, k).</summary>
    public static void AttachFilter(nint fd, ReadOnlySpan<(ushort Code, byte Jt, byte Jf, uint K)> program)
    {
        byte* filter = stackalloc byte[program.Length * 8];
        for (int i = 0; i < program.Length; i++)
        {
            var span = new Span<byte>(filter + (i * 8), 8);
            BinaryPrimitives.WriteUInt16LittleEndian(span, program[i].Code);
            span[2] = program[i].Jt;
            span[3] = program[i].Jf;
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], program[i].K);
        }

        // struct sock_fprog { unsigned short len; struct sock_filter *filter; } (pointer at offset 8)
        byte* fprog = stackalloc byte[16];
        new Span<byte>(fprog, 16).Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(fprog, 2), (ushort)program.Length);
        *(byte**)(fprog + 8) = filter;
        if (setsockopt(fd, SolSocket, SoAttachFilter, fprog, 16) != 0)
        {
            throw new IOException("SO_ATTACH_FILTER failed: " + Errno.Name(Marshal.GetLastPInvokeError()));
        }
    }

    public static int GetInt(nint fd, int level, int name)
    {
        int value = 0;
        int length = sizeof(int);
        return getsockopt(fd, level, name, &value, &length) == 0 ? value : -1;
    }
}
