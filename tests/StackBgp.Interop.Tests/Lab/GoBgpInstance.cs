using System.Globalization;
using System.Text.Json.Nodes;

namespace StackBgp.Interop.Tests.Lab;

/// <summary>GoBGP (gobgpd with a TOML config) in one namespace; its gRPC API listens on 127.0.0.1:PORT inside it.</summary>
public sealed class GoBgpInstance : BgpPeerBase
{
    private GoBgpInstance(NetNs ns, int apiPort, Action<string>? log)
        : base(ns, "GoBGP", log)
    {
        ApiPort = apiPort;
        ConfigPath = Path.Combine(Dir, "gobgpd.toml");
    }

    public int ApiPort { get; }

    public string ConfigPath { get; }

    /// <summary>Starts gobgpd with <paramref name="toml"/>; ready when <c>gobgp global</c> answers.</summary>
    public static GoBgpInstance Start(NetNs ns, string toml, int apiPort = 50051, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(toml);
        var g = new GoBgpInstance(ns, apiPort, log);
        try
        {
            Shell.Require("gobgpd");
            Shell.Require("gobgp");
            g.Version = FirstLine(Shell.Run("gobgpd", "--version"));
            File.WriteAllText(g.ConfigPath, toml);
            LabProcess p = g.StartProcess("gobgpd", "gobgpd", "-f", g.ConfigPath, "-p", "-l", "info",
                "--pprof-disable", "--api-hosts", $"127.0.0.1:{apiPort.ToString(CultureInfo.InvariantCulture)}");
            Poll.Until(
                () =>
                {
                    p.EnsureRunning();
                    return g.Run("global").Succeeded;
                },
                TimeSpan.FromSeconds(15),
                () => $"gobgpd in {ns.Name} answering on port {apiPort}; output:\n{p.Output}");
            g.Announce();
        }
        catch
        {
            g.Dispose();
            throw;
        }

        return g;
    }

    /// <summary>Runs the <c>gobgp</c> CLI inside the namespace against this instance; throws on failure.</summary>
    public string Gobgp(params string[] args) => Run(args).Check().Stdout;

    /// <summary>Runs <c>gobgp ARGS -j</c> and parses the JSON.</summary>
    public JsonNode GobgpJson(params string[] args)
    {
        string text = Gobgp([.. args, "-j"]);
        return JsonNode.Parse(text.Trim().Length == 0 ? "null" : text) ?? new JsonObject();
    }

    /// <summary>Adds a route to the global RIB, e.g. <c>AddRoute("198.51.100.0/24", "community", "65002:1")</c>.</summary>
    public void AddRoute(string prefix, params string[] attributes) =>
        Gobgp(["global", "rib", "add", prefix, "-a", prefix.Contains(':', StringComparison.Ordinal) ? "ipv6" : "ipv4", .. attributes]);

    public void DeleteRoute(string prefix) =>
        Gobgp("global", "rib", "del", prefix, "-a", prefix.Contains(':', StringComparison.Ordinal) ? "ipv6" : "ipv4");

    /// <summary>The session state gobgp reports ("established", "active", …), or "absent".</summary>
    public string NeighborState(string neighbor)
    {
        ExecResult r = Run("neighbor", neighbor, "-j");
        if (!r.Succeeded)
        {
            return "absent";
        }

        JsonNode? n = JsonNode.Parse(r.Stdout);
        int? state = n?["state"]?["session_state"]?.GetValue<int>();
        return state switch
        {
            1 => "idle",
            2 => "connect",
            3 => "active",
            4 => "opensent",
            5 => "openconfirm",
            6 => "established",
            _ => "unknown",
        };
    }

    public void WaitEstablished(string neighbor, TimeSpan? timeout = null) =>
        Poll.Until(() => NeighborState(neighbor), s => s == "established", timeout ?? TimeSpan.FromSeconds(60),
            $"GoBGP in {Ns.Name}: neighbor {neighbor} established");

    /// <summary>The paths in the global RIB for a prefix (empty array when none).</summary>
    public JsonArray Paths(string prefix)
    {
        JsonNode rib = GobgpJson("global", "rib", "-a", prefix.Contains(':', StringComparison.Ordinal) ? "ipv6" : "ipv4");
        return rib[prefix] as JsonArray ?? [];
    }

    private ExecResult Run(params string[] args) =>
        Ns.Exec(TimeSpan.FromSeconds(20), ["gobgp", "-u", "127.0.0.1", "-p", ApiPort.ToString(CultureInfo.InvariantCulture), .. args]);
}
