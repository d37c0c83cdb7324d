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
        builder.Services.AddSingleton(sp => new Router(config, sp.GetRequiredService<ILoggerFactory>(), TimeProvider.System, options.RouterOptions));

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

        await instance.StartAsync(CancellationToken.None).ConfigureAwait(false);
        log.LogInformation("stackbgpd started: config {Config}, API socket {Socket}", configPath, socketPath);
        await app.StartAsync().ConfigureAwait(false);
        await app.WaitForShutdownAsync().ConfigureAwait(false);

        log.LogInformation("stackbgpd stopping: sending Cease/Administrative Shutdown to every peer");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
        await instance.StopAsync(cts.Token).ConfigureAwait(false);
        try { File.Delete(socketPath); } catch (IOException) { }
        return 0;
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
}
