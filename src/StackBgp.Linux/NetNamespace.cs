using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using StackBgp.Linux.Netlink;

namespace StackBgp.Linux;

/// <summary>
/// Runs code inside a named network namespace (<c>/var/run/netns/NAME</c>, as created by
/// <c>ip netns add</c>). A network namespace is a per-thread attribute, so the code runs on a
/// fresh thread that calls setns(2) first and then ends; sockets created there stay bound to
/// that namespace for their whole life, whichever thread uses them later.
/// </summary>
public static class NetNamespace
{
    public const string RunDirectory = "/var/run/netns";

    /// <summary>Runs <paramref name="func"/> inside namespace <paramref name="name"/>; null or
    /// empty runs it on the calling thread, in the current namespace.</summary>
    public static T Run<T>(string? name, Func<T> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        if (string.IsNullOrEmpty(name))
        {
            return func();
        }

        string path = Path.Combine(RunDirectory, name);
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
                if (Native.setns(handle.DangerousGetHandle(), Native.CloneNewNet) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    throw new IOException($"setns({path}) failed: {Errno.Name(errno)}");
                }

                result = func();
            }
            catch (Exception ex)
            {
                failure = ExceptionDispatchInfo.Capture(ex);
            }
        })
        {
            IsBackground = true,
            Name = "netns " + name,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    public static void Run(string? name, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Run(name, () =>
        {
            action();
            return 0;
        });
    }

    /// <summary>True if a namespace of that name exists under <see cref="RunDirectory"/>.</summary>
    public static bool Exists(string name) => File.Exists(Path.Combine(RunDirectory, name));
}
