using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackBgp.Config;
using StackBgp.Core;

namespace StackBgp.Daemon;

/// <summary>Hosts the instance and its gRPC API; owns start, reload and shutdown order.</summary>
internal static class DaemonHost
{
    public static async Task<int> RunAsync(StackBgpConfig config, string configPath, string socketPath, DaemonOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));

        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
        if (File.Exists(socketPath)) File.Delete(socketPath);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(socketPath, l => l.Protocols = HttpProtocols.Http2);
            if (config.Api is { ListenEndpoint: { } endpoint } api)
            {
                // The API never goes over TCP in clear text: `api listen` requires `tls cert … key …`.
                var ep = System.Net.IPEndPoint.Parse(endpoint);
                var cert = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(api.TlsCertFile!, api.TlsKeyFile);
                k.Listen(ep, l =>
                {
                    l.Protocols = HttpProtocols.Http2;
                    l.UseHttps(cert);
                });
            }
        });
        builder.Services.AddGrpc();
        // The socket's directory (per network namespace, on /run) also holds the graceful-restart marker between runs.
        var routerOptions = options.RouterOptions with { StateDirectory = options.RouterOptions.StateDirectory ?? Path.GetDirectoryName(socketPath) };
        builder.Services.AddSingleton(sp => new Router(config, sp.GetRequiredService<ILoggerFactory>(), TimeProvider.System, routerOptions));
        // The daemon handles SIGTERM and SIGINT itself (they stop differently): the host's console lifetime must not.
        builder.Services.AddSingleton<IHostLifetime, SignalLifetime>();

        await using var app = builder.Build();
        var loggerFactory = app.Services.GetRequiredService<ILoggerFactory>();
        var log = loggerFactory.CreateLogger("stackbgpd");
        var instance = app.Services.GetRequiredService<Router>();
        app.MapGrpcService<ControlService>();

        using var reload = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGHUP, ctx =>
            {
                ctx.Cancel = true;
                _ = Task.Run(() => ReloadAsync(instance, configPath, log));
            });

        // SIGTERM (systemd stop/restart, an upgrade) is a planned restart: graceful restart where it was negotiated.
        // SIGINT is a stop for good: every peer withdraws our routes. SIGQUIT stops like SIGTERM.
        var stopMode = RouterStopMode.GracefulRestart;
        void OnStopSignal(System.Runtime.InteropServices.PosixSignalContext ctx)
        {
            ctx.Cancel = true;
            if (ctx.Signal == System.Runtime.InteropServices.PosixSignal.SIGINT) stopMode = RouterStopMode.Withdraw;
            app.Lifetime.StopApplication();
        }
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnStopSignal);
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnStopSignal);
        using var sigquit = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGQUIT, OnStopSignal);

        if (SignalIgnoredAtStart(2))
        {
            // .NET keeps a SIG_IGN inherited from the parent (a background job of a non-interactive shell gets one).
            log.LogWarning("SIGINT is ignored (inherited from the parent process): 'kill -INT' cannot stop stackbgpd for good; start it with default signal handling (e.g. env --default-signal=INT)");
        }

        await instance.StartAsync(CancellationToken.None).ConfigureAwait(false);
        log.LogInformation("stackbgpd started: config {Config}, API socket {Socket}", configPath, socketPath);
        await app.StartAsync().ConfigureAwait(false);
        await app.WaitForShutdownAsync().ConfigureAwait(false);

        log.LogInformation(stopMode == RouterStopMode.Withdraw
            ? "stackbgpd stopping (SIGINT): Cease/Administrative Shutdown to every peer, our routes are withdrawn"
            : "stackbgpd stopping: graceful restart with the peers that negotiated it, Cease/Administrative Shutdown to the others");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
        await instance.StopAsync(stopMode, cts.Token).ConfigureAwait(false);
        try { File.Delete(socketPath); } catch (IOException) { }
        return 0;
    }

    /// <summary>Whether signal <paramref name="signal"/> was ignored when the process started (/proc/self/status SigIgn).</summary>
    private static bool SignalIgnoredAtStart(int signal)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("SigIgn:", StringComparison.Ordinal)) continue;
                ulong mask = ulong.Parse(line.AsSpan(7).Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
                return (mask & (1UL << (signal - 1))) != 0;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
        }
        return false;
    }

    private static async Task ReloadAsync(Router instance, string configPath, ILogger log)
    {
        var parsed = ConfigParser.Parse(await File.ReadAllTextAsync(configPath).ConfigureAwait(false), configPath);
        foreach (var e in parsed.Errors) log.LogError("reload: {Error}", e.ToString());
        if (!parsed.IsValid)
        {
            log.LogError("reload of {Config} refused: the running configuration is unchanged", configPath);
            return;
        }
        await instance.ReloadAsync(parsed.Config!, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>A host lifetime without signal handling: <see cref="RunAsync"/> registers its own stop signals.</summary>
    private sealed class SignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
