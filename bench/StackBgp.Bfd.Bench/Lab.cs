using System.Diagnostics;

namespace StackBgp.Bfd.Bench;

/// <summary>Two namespaces (bfdb-*) joined by a veth pair: 10.79.0.1 on va (A), 10.79.0.2 on vb (B). Removed on dispose.</summary>
internal sealed class Lab : IDisposable
{
    public Lab()
    {
        string id = Guid.NewGuid().ToString("N")[..6];
        A = $"bfdb-{id}-a";
        B = $"bfdb-{id}-b";
        try
        {
            Ip($"netns add {A}");
            Ip($"netns add {B}");
            Ip($"link add va netns {A} type veth peer name vb netns {B}");
            Ip($"-n {A} addr add 10.79.0.1/24 dev va");
            Ip($"-n {B} addr add 10.79.0.2/24 dev vb");
            Ip($"-n {A} link set va up");
            Ip($"-n {B} link set vb up");
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
        Ip($"netns del {A}", check: false);
        Ip($"netns del {B}", check: false);
    }

    private static void Ip(string args, bool check = true)
    {
        using var p = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardError = true })!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (check && p.ExitCode != 0) throw new InvalidOperationException($"ip {args}: {err}");
    }
}
