namespace StackBgp.Cli;

/// <summary>
/// Where the daemon's API socket lives by default. A unix socket path is not scoped to a network
/// namespace, so each namespace gets its own directory: a daemon started with
/// `ip netns exec controller-1 stackbgpd` listens on /run/stackbgp/controller-1/stackbgpd.sock, and
/// `ip netns exec controller-1 stackbgp` finds it there (FRR does the same with `-N`).
/// This file is linked into both stackbgpd and stackbgp so that the two always agree.
/// </summary>
public static class ApiSocket
{
    public const string BaseDirectory = "/run/stackbgp";
    public const string FileName = "stackbgpd.sock";

    public static string DefaultPath()
    {
        string? ns = CurrentNetNamespaceName();
        return ns is null
            ? Path.Combine(BaseDirectory, FileName)
            : Path.Combine(BaseDirectory, ns, FileName);
    }

    /// <summary>
    /// The name under /var/run/netns whose namespace is this process's network namespace, as
    /// `ip netns identify` finds it (by comparing inode numbers); null in the root namespace.
    /// </summary>
    public static string? CurrentNetNamespaceName()
    {
        const string dir = "/var/run/netns";
        try
        {
            var self = new FileInfo("/proc/self/ns/net");
            string? target = File.ResolveLinkTarget(self.FullName, returnFinalTarget: false)?.Name;
            if (target is null || !Directory.Exists(dir)) return null;
            foreach (string path in Directory.EnumerateFiles(dir))
            {
                if (NetNsInode(path) is { } inode && target == $"net:[{inode}]")
                    return Path.GetFileName(path);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    private static ulong? NetNsInode(string path)
    {
        // stat(2) through the file-system API: the inode of a bind-mounted nsfs file is the namespace id.
        return Interop.Stat(path, out ulong inode) == 0 ? inode : null;
    }

    private static class Interop
    {
        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
        private struct StatX86
        {
            public ulong Dev;
            public ulong Ino;
            public ulong Pad0, Pad1, Pad2, Pad3, Pad4, Pad5, Pad6, Pad7, Pad8, Pad9, Pad10, Pad11, Pad12, Pad13, Pad14, Pad15;
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "stat", SetLastError = true)]
        private static extern int StatNative([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, out StatX86 buf);

        public static int Stat(string path, out ulong inode)
        {
            int rc = StatNative(path, out StatX86 st);
            inode = st.Ino;
            return rc;
        }
    }
}
