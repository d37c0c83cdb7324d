using System.Diagnostics;
using System.Text.Json;
using StackBgp.Bfd.Tests.Lab;

namespace StackBgp.Bfd.Tests.Interop;

/// <summary>
/// FRR's zebra + bfdd running in one of our test namespaces (LAB.md recipe): own path space per
/// namespace, started without config, integrated config loaded with <c>vtysh -b</c>, stopped by PID.
/// </summary>
internal sealed class FrrBfdd : IDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(20);
    private readonly List<Process> _daemons = [];

    public FrrBfdd(string ns, string config)
    {
        Namespace = ns;
        if (!File.Exists("/usr/lib/frr/bfdd")) throw new InvalidOperationException("FRR bfdd is not installed (/usr/lib/frr/bfdd); install the frr package");
        Netns.Run("usermod", "-a -G frr,frrvty root");
        Directory.CreateDirectory(RunDir);
        Directory.CreateDirectory(EtcDir);
        Netns.Run("chown", $"frr:frr {RunDir}");
        File.WriteAllText(Path.Combine(EtcDir, "vtysh.conf"), "");
        File.WriteAllText(Path.Combine(EtcDir, "frr.conf"), config);
        try
        {
            foreach (var daemon in new[] { "zebra", "bfdd" }) Start(daemon);
            Netns.Run("vtysh", $"-N {ns} -b");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Namespace { get; }
    private string RunDir => $"/var/run/frr/{Namespace}";
    private string EtcDir => $"/etc/frr/{Namespace}";

    public string Version => Vtysh("show version").Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "?";

    public string Vtysh(params string[] commands) =>
        Netns.Run("vtysh", $"-N {Namespace} " + string.Join(' ', commands.Select(c => $"-c \"{c}\"")));

    public void Configure(params string[] lines) => Vtysh(["configure terminal", .. lines]);

    /// <summary><c>show bfd peers json</c> as elements.</summary>
    public IReadOnlyList<JsonElement> Peers()
    {
        using var doc = JsonDocument.Parse(Vtysh("show bfd peers json"));
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    public IReadOnlyList<JsonElement> Counters()
    {
        using var doc = JsonDocument.Parse(Vtysh("show bfd peers counters json"));
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    public static JsonElement? Find(IReadOnlyList<JsonElement> peers, string peer, bool multihop) =>
        peers.Where(p => p.GetProperty("peer").GetString() == peer && p.GetProperty("multihop").GetBoolean() == multihop)
            .Select(p => (JsonElement?)p).FirstOrDefault();

    private void Start(string daemon)
    {
        var process = Process.Start(new ProcessStartInfo("ip",
            $"netns exec {Namespace} /usr/lib/frr/{daemon} -N {Namespace} -u frr -g frr -i {RunDir}/{daemon}.pid -P 0 --log stdout")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"cannot start {daemon}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _daemons.Add(process);
        var vty = $"{RunDir}/{daemon}.vty";
        var end = DateTime.UtcNow + StartDeadline;
        while (!File.Exists(vty))
        {
            if (process.HasExited) throw new InvalidOperationException($"{daemon} exited with {process.ExitCode} in {Namespace}");
            if (DateTime.UtcNow > end) throw new InvalidOperationException($"{daemon} did not create {vty} within {StartDeadline}");
            process.WaitForExit(20);
        }
    }

    public void Dispose()
    {
        // Stop only the daemons we started, by PID ("ip netns exec" execs into the daemon).
        for (int i = _daemons.Count - 1; i >= 0; i--)
        {
            var process = _daemons[i];
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
            process.Dispose();
        }
        _daemons.Clear();
        try
        {
            Directory.Delete(RunDir, recursive: true);
            Directory.Delete(EtcDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
