using Microsoft.Extensions.Logging;

namespace StackBgp.Daemon;

internal sealed record DaemonOptions
{
    public string? ConfigPath { get; init; }
    public string? SocketPath { get; init; }
    public bool Check { get; init; }
    public bool Help { get; init; }
    public bool Version { get; init; }
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
    public StackBgp.Core.RouterOptions RouterOptions { get; init; } = new();

    public const string Usage = """
        usage: stackbgpd [--config FILE] [--socket PATH] [--log-level trace|debug|information|warning|error] [--check]
          --config FILE   FRR-syntax configuration (default /etc/frr/frr.conf)
          --socket PATH   API unix socket (default /run/stackbgp[/NETNS]/stackbgpd.sock, or `api socket` in the config)
          --check         validate the configuration, print every error, exit non-zero if there is one
          --bgp-port N    BGP listen port (default 179; 0 = do not listen), as bgpd -p
          --listen ADDR   BGP listen address (repeatable; default any), as bgpd -l
          --version       print the version and exit
          --no-kernel     no zebra role: no FIB programming, no link/address watching, as bgpd -Z

        signals:
          SIGTERM   stop for a restart: a peer with which graceful restart was negotiated in both directions
                    (`bgp graceful-restart` or `neighbor X graceful-restart` here, and the peer announcing it)
                    gets no NOTIFICATION and keeps our routes for the restart time (and the routes learned from
                    it stay in our kernel); every other peer gets Cease/Administrative Shutdown and withdraws them
          SIGINT    stop for good: Cease/Administrative Shutdown to every peer (a Hard Reset with the N bit),
                    which withdraws our routes at once, graceful restart or not
          SIGHUP    reload the configuration (only the changed parts are applied)
        """;

    public static DaemonOptions Parse(string[] args, out string? error)
    {
        error = null;
        var o = new DaemonOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string? Next() => i + 1 < args.Length ? args[++i] : null;
            switch (a)
            {
                case "--config" or "-f":
                    o = o with { ConfigPath = Next() ?? Missing(a, ref error) };
                    break;
                case "--socket":
                    o = o with { SocketPath = Next() ?? Missing(a, ref error) };
                    break;
                case "--check" or "-C":
                    o = o with { Check = true };
                    break;
                case "--log-level":
                    string? level = Next();
                    if (level is null || !Enum.TryParse<LogLevel>(level, ignoreCase: true, out var l))
                        error = $"--log-level needs one of trace, debug, information, warning, error (got '{level}')";
                    else
                        o = o with { LogLevel = l };
                    break;
                case "--bgp-port" or "-p":
                    if (!int.TryParse(Next(), System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 0 or > 65535)
                        error = "--bgp-port needs a port number 0..65535";
                    else
                        o = o with { RouterOptions = o.RouterOptions with { ListenPort = port } };
                    break;
                case "--listen" or "-l":
                    if (!System.Net.IPAddress.TryParse(Next(), out var listen))
                        error = "--listen needs an IP address";
                    else
                        o = o with { RouterOptions = o.RouterOptions with { ListenAddresses = [.. o.RouterOptions.ListenAddresses, listen] } };
                    break;
                case "--no-kernel" or "-Z":
                    o = o with { RouterOptions = o.RouterOptions with { Kernel = false } };
                    break;
                case "--version" or "-v":
                    o = o with { Version = true };
                    break;
                case "--help" or "-h":
                    o = o with { Help = true };
                    break;
                default:
                    error = $"unknown argument '{a}'";
                    break;
            }
        }
        return o;
    }

    private static string Missing(string option, ref string? error)
    {
        error = $"{option} needs a value";
        return "";
    }
}
