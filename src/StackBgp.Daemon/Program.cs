using System.Runtime;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using StackBgp.Cli;
using StackBgp.Config;
using StackBgp.Core;

namespace StackBgp.Daemon;

/// <summary>
/// stackbgpd — one process doing the work of FRR's bgpd, bfdd and zebra on an OpenStack node.
///   stackbgpd --config FILE [--socket PATH] [--log-level LEVEL]
///   stackbgpd --config FILE --check      validate, print every error, exit non-zero if any
/// SIGTERM: planned restart, graceful restart (no NOTIFICATION) with the peers that negotiated it in both
///   directions, Cease/Administrative Shutdown to the others; exit 0.
/// SIGINT: stop for good, Cease/Administrative Shutdown to every peer; exit 0.
/// SIGHUP: reload the configuration (only changed parts are applied).
/// </summary>
internal static class Program
{
    private const string DefaultConfig = "/etc/frr/frr.conf";

    private static async Task<int> Main(string[] args)
    {
        var options = DaemonOptions.Parse(args, out string? argError);
        if (argError is not null)
        {
            await Console.Error.WriteLineAsync($"stackbgpd: {argError}\n{DaemonOptions.Usage}").ConfigureAwait(false);
            return 2;
        }
        if (options.Version)
        {
            var asm = typeof(Program).Assembly;
            string info = asm.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? asm.GetName().Version?.ToString() ?? "?";
            Console.WriteLine($"stackbgpd {info} (.NET {Environment.Version})");
            return 0;
        }
        if (options.Help)
        {
            Console.WriteLine(DaemonOptions.Usage);
            return 0;
        }

        string path = options.ConfigPath ?? DefaultConfig;
        if (!File.Exists(path))
        {
            await Console.Error.WriteLineAsync($"stackbgpd: configuration file {path} does not exist").ConfigureAwait(false);
            return 1;
        }
        var parsed = ConfigParser.Parse(await File.ReadAllTextAsync(path).ConfigureAwait(false), path);
        foreach (var w in parsed.Warnings)
            await Console.Error.WriteLineAsync(w.ToString()).ConfigureAwait(false);
        foreach (var e in parsed.Errors)
            await Console.Error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
        if (!parsed.IsValid)
        {
            await Console.Error.WriteLineAsync($"stackbgpd: {parsed.Errors.Count} error(s) in {path}").ConfigureAwait(false);
            return 1;
        }
        if (options.Check)
        {
            Console.WriteLine($"{path}: configuration is valid");
            return 0;
        }

        // BFD and keepalives must not stall behind a blocking collection.
        GCSettings.LatencyMode = GCLatencyMode.SustainedLowLatency;

        string socket = options.SocketPath ?? parsed.Config!.Api?.SocketPath ?? ApiSocket.DefaultPath();
        return await DaemonHost.RunAsync(parsed.Config!, path, socket, options).ConfigureAwait(false);
    }
}
