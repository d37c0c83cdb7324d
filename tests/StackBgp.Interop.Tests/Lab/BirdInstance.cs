namespace StackBgp.Interop.Tests.Lab;

/// <summary>BIRD 2 in one namespace, in the foreground, with its own control socket for <c>birdc</c>.</summary>
public sealed class BirdInstance : BgpPeerBase
{
    private BirdInstance(NetNs ns, Action<string>? log)
        : base(ns, "BIRD", log)
    {
        Socket = Path.Combine(Dir, "bird.ctl");
        ConfigPath = Path.Combine(Dir, "bird.conf");
    }

    public string Socket { get; }

    public string ConfigPath { get; }

    /// <summary>Starts BIRD with <paramref name="birdConf"/> and waits until birdc answers "up and running".</summary>
    public static BirdInstance Start(NetNs ns, string birdConf, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(birdConf);
        var bird = new BirdInstance(ns, log);
        try
        {
            Shell.Require("bird");
            Shell.Require("birdc");
            bird.Version = FirstLine(Shell.Run("bird", "--version"));
            File.WriteAllText(bird.ConfigPath, birdConf);
            Shell.Run("bird", "-p", "-c", bird.ConfigPath).Check();
            LabProcess p = bird.StartProcess("bird", "bird", "-f", "-c", bird.ConfigPath, "-s", bird.Socket,
                "-P", Path.Combine(bird.Dir, "bird.pid"));
            Poll.Until(
                () =>
                {
                    p.EnsureRunning();
                    return File.Exists(bird.Socket) && Shell.Run("birdc", "-s", bird.Socket, "show", "status").Stdout
                        .Contains("Daemon is up and running", StringComparison.Ordinal);
                },
                TimeSpan.FromSeconds(15),
                () => $"BIRD in {ns.Name} answering on {bird.Socket}; output:\n{p.Output}");
            bird.Announce();
        }
        catch
        {
            bird.Dispose();
            throw;
        }

        return bird;
    }

    /// <summary>Runs one birdc command (words as separate arguments, e.g. <c>Birdc("show route all")</c>).</summary>
    public string Birdc(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        string[] words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return Shell.Run(TimeSpan.FromSeconds(20), "birdc", ["-s", Socket, .. words]).Check().Stdout;
    }

    /// <summary>The Info column of <c>show protocols NAME</c> (e.g. "Established", "Active").</summary>
    public string ProtocolInfo(string protocol)
    {
        foreach (string line in Birdc($"show protocols {protocol}").Split('\n'))
        {
            string[] cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length >= 5 && cols[0] == protocol)
            {
                return cols.Length >= 6 ? cols[5] : cols[3];
            }
        }

        return "absent";
    }

    public void WaitEstablished(string protocol, TimeSpan? timeout = null) =>
        Poll.Until(() => ProtocolInfo(protocol), s => s == "Established", timeout ?? TimeSpan.FromSeconds(60),
            $"BIRD in {Ns.Name}: protocol {protocol} Established");

    /// <summary><c>show route for PREFIX all</c> ("" when BIRD has no route).</summary>
    public string Route(string prefix)
    {
        ExecResult r = Shell.Run(TimeSpan.FromSeconds(20), "birdc", ["-s", Socket, "show", "route", prefix, "all"]);
        if (!r.Succeeded && r.Stdout.Contains("Network not found", StringComparison.Ordinal))
        {
            return ""; // birdc exits 1 when the table has no such network
        }

        string o = r.Check().Stdout;
        return o.Contains(prefix, StringComparison.Ordinal) ? o : "";
    }
}
