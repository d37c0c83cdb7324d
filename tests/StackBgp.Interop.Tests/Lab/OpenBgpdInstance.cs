namespace StackBgp.Interop.Tests.Lab;

/// <summary>OpenBGPD (portable) in one namespace, in the foreground, with its own control socket for <c>bgpctl</c>.</summary>
public sealed class OpenBgpdInstance : BgpPeerBase
{
    private OpenBgpdInstance(NetNs ns, Action<string>? log)
        : base(ns, "OpenBGPD", log)
    {
        Socket = Path.Combine(Dir, "bgpd.sock");
        ConfigPath = Path.Combine(Dir, "bgpd.conf");
    }

    public string Socket { get; }

    public string ConfigPath { get; }

    /// <summary>Starts <c>bgpd -d -f</c> with <paramref name="bgpdConf"/> (a <c>socket</c> line is prepended).</summary>
    public static OpenBgpdInstance Start(NetNs ns, string bgpdConf, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(bgpdConf);
        var o = new OpenBgpdInstance(ns, log);
        try
        {
            string bgpd = "/usr/sbin/bgpd";
            if (!File.Exists(bgpd))
            {
                throw new LabException("OpenBGPD (/usr/sbin/bgpd) is not installed (apt-get install openbgpd)");
            }

            Shell.Require("bgpctl");
            o.Version = FirstLine(Shell.Run(bgpd, "-V"));
            Directory.CreateDirectory("/run/openbgpd");
            File.WriteAllText(o.ConfigPath, $"socket \"{o.Socket}\"\n{bgpdConf}");
            File.SetUnixFileMode(o.ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Shell.Run(bgpd, "-n", "-f", o.ConfigPath).Check();
            LabProcess p = o.StartProcess("bgpd", bgpd, "-d", "-f", o.ConfigPath);
            Poll.Until(
                () =>
                {
                    p.EnsureRunning();
                    return File.Exists(o.Socket) && Shell.Run("bgpctl", "-s", o.Socket, "show", "summary").Succeeded;
                },
                TimeSpan.FromSeconds(20),
                () => $"OpenBGPD in {ns.Name} answering on {o.Socket}; output:\n{p.Output}");
            o.Announce();
        }
        catch
        {
            o.Dispose();
            throw;
        }

        return o;
    }

    /// <summary>Runs <c>bgpctl -s SOCKET words…</c>, e.g. <c>Bgpctl("show rib")</c>.</summary>
    public string Bgpctl(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return Shell.Run(TimeSpan.FromSeconds(20), "bgpctl", ["-s", Socket, .. command.Split(' ', StringSplitOptions.RemoveEmptyEntries)]).Check().Stdout;
    }
}
