namespace StackBgp.Interop.Tests.Lab;

/// <summary>Common parts of the peer daemon wrappers: namespace, work directory, processes, version line.</summary>
public abstract class BgpPeerBase : IDisposable
{
    private readonly List<LabProcess> _processes = [];
    private bool _disposed;

    protected BgpPeerBase(NetNs ns, string kind, Action<string>? log)
    {
        ArgumentNullException.ThrowIfNull(ns);
        Ns = ns;
        Kind = kind;
        Log = log ?? (_ => { });
        Dir = Path.Combine(ns.WorkDir, kind.ToLowerInvariant());
        Directory.CreateDirectory(Dir);
    }

    public NetNs Ns { get; }

    /// <summary>"FRR", "BIRD", "GoBGP", "ExaBGP", "OpenBGPD".</summary>
    public string Kind { get; }

    /// <summary>The version line the daemon reports about itself, e.g. "bgpd version 8.4.4".</summary>
    public string Version { get; protected set; } = "unknown";

    /// <summary>This instance's directory for config, sockets and logs.</summary>
    public string Dir { get; }

    protected Action<string> Log { get; }

    public IReadOnlyList<LabProcess> Processes => _processes;

    /// <summary>The output of every process of this peer (for failure messages).</summary>
    public string Output => string.Join("\n", _processes.Select(p => $"=== {p.Name} (pid {p.Pid}) ===\n{p.Output}"));

    protected LabProcess StartProcess(string name, string file, params string[] args)
    {
        LabProcess p = LabProcess.Start(Ns, name, file, args);
        _processes.Add(p);
        return p;
    }

    protected void Announce() => Log($"peer: {Kind} [{Version}] in namespace {Ns.Name}, pids {string.Join(",", _processes.Select(p => p.Pid))}");

    protected static string FirstLine(ExecResult r)
    {
        string text = r.Stdout.Trim().Length > 0 ? r.Stdout : r.Stderr;
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "unknown";
    }

    protected void EnsureRunning()
    {
        foreach (LabProcess p in _processes)
        {
            p.EnsureRunning();
        }
    }

    /// <summary>Sends a signal to every process of this peer at once (SIGKILL = crash, SIGSTOP = hang, SIGCONT = resume).</summary>
    public void SignalAll(int signal)
    {
        foreach (LabProcess p in _processes)
        {
            p.Signal(signal);
        }
    }

    /// <summary>Stops every process (SIGTERM, reverse start order), waiting for each.</summary>
    public void Stop()
    {
        for (int i = _processes.Count - 1; i >= 0; i--)
        {
            _processes[i].Stop(TimeSpan.FromSeconds(5));
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        for (int i = _processes.Count - 1; i >= 0; i--)
        {
            _processes[i].Dispose();
        }
    }
}
