using System.Diagnostics;
using System.Runtime.InteropServices;

namespace StackBgp.Bfd.Tests.Lab;

/// <summary>Runs commands and code inside network namespaces this test run created.</summary>
internal static partial class Netns
{
    private static int s_swept;

    /// <summary>Runs a command; throws with its output when it fails.</summary>
    public static string Run(string file, string arguments, bool check = true)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"cannot start {file}");
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{file} {arguments}` exited {process.ExitCode}: {stderr}{stdout}");
        }
        return stdout;
    }

    public static string Ip(string arguments) => Run("ip", arguments);

    /// <summary>Once per process: remove namespaces left behind by earlier runs of these tests.</summary>
    public static void SweepOnce(params string[] prefixes)
    {
        if (Interlocked.Exchange(ref s_swept, 1) != 0) return;
        foreach (var line in Run("ip", "netns list").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = line.Split(' ')[0];
            if (prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))) Run("ip", $"netns del {name}", check: false);
        }
    }

    public static string UniqueName(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Runs <paramref name="action"/> on a fresh thread that entered the namespace (sockets it opens stay there).</summary>
    public static T InNamespace<T>(string ns, Func<T> action)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{ns}", FileMode.Open, FileAccess.Read);
                if (Setns((int)handle.DangerousGetHandle(), 0x40000000) != 0) throw new IOException($"setns {ns} failed");
                result = action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException($"in namespace {ns}", failure);
        return result;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int Setns(int fd, int nstype);
}

/// <summary>
/// Two namespaces joined by a veth pair: A = 10.77.0.1/24, fd77::1/64 on "va"; B = 10.77.0.2/24,
/// fd77::2/64 on "vb"; link-local fe80::77:1 and fe80::77:2; loopbacks 10.78.0.1 (A) and 10.78.0.2 (B) routed over the link for multihop.
/// Deleted on dispose.
/// </summary>
internal sealed class NetnsPair : IDisposable
{
    public const string Prefix = "bfdt-";

    public NetnsPair(string prefix = Prefix)
    {
        Netns.SweepOnce(Prefix, "bfdi-");
        A = Netns.UniqueName(prefix);
        B = Netns.UniqueName(prefix);
        try
        {
            Netns.Ip($"netns add {A}");
            Netns.Ip($"netns add {B}");
            Netns.Ip($"-n {A} link set lo up");
            Netns.Ip($"-n {B} link set lo up");
            Netns.Ip($"link add va netns {A} type veth peer name vb netns {B}");
            Netns.Ip($"-n {A} addr add 10.77.0.1/24 dev va");
            Netns.Ip($"-n {B} addr add 10.77.0.2/24 dev vb");
            Netns.Ip($"-n {A} addr add fd77::1/64 dev va nodad");
            Netns.Ip($"-n {B} addr add fd77::2/64 dev vb nodad");
            // Only our link-local addresses (no EUI-64 one appearing after DAD), so sources are known.
            Netns.Ip($"-n {A} link set va addrgenmode none");
            Netns.Ip($"-n {B} link set vb addrgenmode none");
            Netns.Ip($"-n {A} addr add fe80::77:1/64 dev va nodad");
            Netns.Ip($"-n {B} addr add fe80::77:2/64 dev vb nodad");
            Netns.Ip($"-n {A} addr add 10.78.0.1/32 dev lo");
            Netns.Ip($"-n {B} addr add 10.78.0.2/32 dev lo");
            Netns.Ip($"-n {A} link set va up");
            Netns.Ip($"-n {B} link set vb up");
            Netns.Ip($"-n {A} route add 10.78.0.2/32 via 10.77.0.2");
            Netns.Ip($"-n {B} route add 10.78.0.1/32 via 10.77.0.1");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string A { get; }
    public string B { get; }

    public void Dispose()
    {
        Netns.Run("ip", $"netns del {A}", check: false);
        Netns.Run("ip", $"netns del {B}", check: false);
    }
}
