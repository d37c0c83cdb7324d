namespace StackBgp.Interop.Tests.Lab;

/// <summary>
/// ExaBGP 4 in one namespace. Scripted messages go through an API process named <see cref="ApiProcess"/>
/// that relays lines written to a FIFO (<see cref="Send"/>): <c>announce route …</c>, <c>withdraw route …</c>,
/// <c>announce eor</c>, <c>announce route-refresh</c>, and raw path attributes with
/// <c>attribute [ 0xCODE 0xFLAGS 0xVALUE ]</c>. Neighbors that should take commands need
/// <c>api { processes [ ctl ]; }</c> in the config.
/// </summary>
public sealed class ExaBgpInstance : BgpPeerBase
{
    public const string ApiProcess = "ctl";

    private const string PipeRelay = """
        import sys
        while True:
            with open(sys.argv[1]) as f:
                for line in f:
                    sys.stdout.write(line)
                    sys.stdout.flush()
        """;

    private ExaBgpInstance(NetNs ns, Action<string>? log)
        : base(ns, "ExaBGP", log)
    {
        Fifo = Path.Combine(Dir, "api.fifo");
        ConfigPath = Path.Combine(Dir, "exabgp.conf");
    }

    public string Fifo { get; }

    public string ConfigPath { get; }

    /// <summary>Starts ExaBGP with <paramref name="neighborsConf"/> (neighbor blocks); the API process block is added here.</summary>
    public static ExaBgpInstance Start(NetNs ns, string neighborsConf, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(neighborsConf);
        var x = new ExaBgpInstance(ns, log);
        try
        {
            Shell.Require("exabgp");
            x.Version = "ExaBGP " + (Shell.Run("exabgp", "--version").Stdout.Split('\n')
                .FirstOrDefault(l => l.StartsWith("ExaBGP", StringComparison.Ordinal))?.Split(':').Last().Trim() ?? "unknown");
            Shell.Run("mkfifo", x.Fifo).Check();
            string relay = Path.Combine(x.Dir, "relay.py");
            File.WriteAllText(relay, PipeRelay);
            File.WriteAllText(x.ConfigPath,
                $"process {ApiProcess} {{\n  run /usr/bin/python3 -u {relay} {x.Fifo};\n  encoder text;\n}}\n\n{neighborsConf}");
            LabProcess p = x.StartProcess("exabgp", "env",
                "exabgp.daemon.user=root", "exabgp.daemon.daemonize=false", "exabgp.log.destination=stdout",
                "exabgp.api.cli=false", "exabgp.log.packets=true", "exabgp", x.ConfigPath);
            Poll.Until(
                () =>
                {
                    p.EnsureRunning();
                    return p.Output.Contains("loaded new configuration successfully", StringComparison.Ordinal);
                },
                TimeSpan.FromSeconds(20),
                () => $"ExaBGP in {ns.Name} to load {x.ConfigPath}; output:\n{p.Output}");
            x.Announce();
        }
        catch
        {
            x.Dispose();
            throw;
        }

        return x;
    }

    /// <summary>Sends one API command line (e.g. <c>announce route 192.0.2.0/24 next-hop self</c>).</summary>
    public void Send(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        EnsureRunning();
        Task write = Task.Run(() => File.AppendAllText(Fifo, command.TrimEnd('\n') + "\n"));
        if (!write.Wait(TimeSpan.FromSeconds(10)))
        {
            throw new LabException($"ExaBGP in {Ns.Name} did not read its API FIFO within 10 s; output:\n{Output}");
        }
    }

    /// <summary>Waits until ExaBGP's log contains <paramref name="text"/> (e.g. "connected to").</summary>
    public void WaitLog(string text, TimeSpan? timeout = null) =>
        Poll.Until(() => Output.Contains(text, StringComparison.Ordinal), timeout ?? TimeSpan.FromSeconds(60),
            () => $"ExaBGP in {Ns.Name} to log \"{text}\"; output:\n{Output}");
}
