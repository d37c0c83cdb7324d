using System.Globalization;
using System.Text.Json.Nodes;

namespace StackBgp.Interop.Tests.Lab;

/// <summary>What speaks BGP on a node of the scenario lab.</summary>
public enum SpeakerKind
{
    Frr,
    StackBgp,
}

/// <summary>
/// The S1/S3 lab of issue 7 (same topology and configs as lab/demo.sh, from lab/configs/*.conf):
/// a client behind a spine (AS 65000, L4 multipath hash), three leaves (AS 64999−R), one controller per
/// rack (AS 64999, RHOSP-style config, loopback 99.99.R.1/32 on lo, uplink 100.64.R.0/30) with an HTTP
/// responder on <see cref="VipPort"/> that answers its name. Namespaces are unique per run.
/// </summary>
public sealed class ScenarioLab : IDisposable
{
    public const string Vip = "192.1.1.1";
    public const int VipPort = 8080;
    public const int Racks = 3;

    private readonly List<IDisposable> _owned = [];
    private readonly BgpPeerBase?[] _controllerSpeakers = new BgpPeerBase?[Racks + 1];
    private readonly Action<string> _log;

    private ScenarioLab(Action<string> log) => _log = log;

    public NetNs Client { get; private set; } = null!;

    public NetNs Spine { get; private set; } = null!;

    /// <summary>Leaves by rack (index 1..3; 0 unused).</summary>
    public NetNs[] Leaves { get; } = new NetNs[Racks + 1];

    /// <summary>Controllers by rack (index 1..3; 0 unused).</summary>
    public NetNs[] Controllers { get; } = new NetNs[Racks + 1];

    public BgpPeerBase SpineSpeaker { get; private set; } = null!;

    public BgpPeerBase[] LeafSpeakers { get; } = new BgpPeerBase[Racks + 1];

    /// <summary>The speaker of controller R (replaced by <see cref="RestartController"/>).</summary>
    public BgpPeerBase ControllerSpeaker(int rack) => _controllerSpeakers[rack]!;

    public SpeakerKind ControllerKind { get; private set; }

    public SpeakerKind FabricKind { get; private set; }

    public int BfdMs { get; private set; }

    /// <summary>The spine's next hop towards rack R (the leaf's uplink address).</summary>
    public static string LeafAddress(int rack) => string.Create(CultureInfo.InvariantCulture, $"172.30.{rack}.2");

    /// <summary>Builds and converges the lab (all sessions Established, loopbacks routed, HTTP up).</summary>
    public static ScenarioLab Build(SpeakerKind controllers, SpeakerKind fabric, Action<string>? log = null, int bfdMs = 50, int bfdMult = 3)
    {
        var lab = new ScenarioLab(log ?? (_ => { })) { ControllerKind = controllers, FabricKind = fabric, BfdMs = bfdMs };
        try
        {
            lab.Create(bfdMs, bfdMult);
        }
        catch
        {
            lab.Dispose();
            throw;
        }

        return lab;
    }

    private NetNs NewNs()
    {
        NetNs ns = NetNs.Create();
        _owned.Add(ns);
        return ns;
    }

    private void Create(int bfdMs, int bfdMult)
    {
        Client = NewNs();
        Spine = NewNs();
        Spine.Sysctl("net.ipv4.fib_multipath_hash_policy", "1");
        Veth v = Veth.Create(Spine, Client, "sp-cl", "eth0");
        Spine.AddAddress(v.IfA, "203.0.113.1/24");
        Client.AddAddress(v.IfB, "203.0.113.10/24");
        Client.Ip("route", "add", "default", "via", "203.0.113.1");
        for (int r = 1; r <= Racks; r++)
        {
            string rs = r.ToString(CultureInfo.InvariantCulture);
            Leaves[r] = NewNs();
            Controllers[r] = NewNs();
            Veth up = Veth.Create(Spine, Leaves[r], "sp-l" + rs, "up0");
            Spine.AddAddress(up.IfA, $"172.30.{rs}.1/30");
            Leaves[r].AddAddress(up.IfB, $"172.30.{rs}.2/30");
            Veth down = Veth.Create(Leaves[r], Controllers[r], "down0", "enp2s0");
            Leaves[r].AddAddress(down.IfA, $"100.64.{rs}.1/30");
            Controllers[r].AddAddress(down.IfB, $"100.64.{rs}.2/30");
            Controllers[r].AddLoopbackAddress($"99.99.{rs}.1/32");
            string www = Path.Combine(Controllers[r].WorkDir, "www");
            Directory.CreateDirectory(www);
            File.WriteAllText(Path.Combine(www, "index.html"), $"controller-{rs}\n");
            _owned.Add(LabProcess.Start(Controllers[r], "http", "/usr/bin/python3", "-m", "http.server",
                VipPort.ToString(CultureInfo.InvariantCulture), "--bind", "0.0.0.0", "--directory", www));
        }

        SpineSpeaker = StartSpeaker(Spine, FabricKind, Render("spine", 0, bfdMs, bfdMult));
        for (int r = 1; r <= Racks; r++)
        {
            LeafSpeakers[r] = StartSpeaker(Leaves[r], FabricKind, Render("leaf", r, bfdMs, bfdMult));
            _controllerSpeakers[r] = StartSpeaker(Controllers[r], ControllerKind, Render("controller", r, bfdMs, bfdMult));
        }

        TimeSpan converge = TimeSpan.FromSeconds(90);
        Poll.Until(() => EstablishedCount(SpineSpeaker), n => n == Racks, converge, "spine: 3 sessions Established");
        for (int r = 1; r <= Racks; r++)
        {
            int rack = r;
            Poll.Until(() => EstablishedCount(LeafSpeakers[rack]), n => n == 2, converge, $"leaf-{rack}: 2 sessions Established");
            Poll.Until(() => SpineNextHops($"99.99.{rack}.1"), h => h.Count == 1, converge, $"spine route to controller-{rack}'s loopback");
            Poll.Until(() => Controllers[rack].Ip("route", "show", "default").Stdout, s => s.Contains("via", StringComparison.Ordinal), converge,
                $"controller-{rack}: default route from BGP");
            Poll.Until(() => Controllers[rack].Exec("curl", "-s", "--max-time", "1", $"http://127.0.0.1:{VipPort}/").Stdout.Trim(),
                s => s == $"controller-{rack}", TimeSpan.FromSeconds(20), $"HTTP responder on controller-{rack}");
        }

        _log($"scenario lab up: controllers {ControllerKind}, fabric {FabricKind}, BFD {bfdMult}x{bfdMs} ms; spine {Spine.Name}, client {Client.Name}");
    }

    private BgpPeerBase StartSpeaker(NetNs ns, SpeakerKind kind, string config)
    {
        BgpPeerBase speaker = kind == SpeakerKind.Frr
            ? FrrInstance.Start(ns, config, bfd: true, log: _log)
            : StackBgpInstance.Start(ns, config, _log);
        _owned.Add(speaker);
        return speaker;
    }

    /// <summary>Renders lab/configs/NAME.conf (the same templates as lab/demo.sh).</summary>
    public static string Render(string template, int rack, int bfdMs, int bfdMult)
    {
        string text = File.ReadAllText(Path.Combine(LabDirectory(), "configs", template + ".conf"));
        return text
            .Replace("@R@", rack.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@LEAF_AS@", (64999 - rack).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@BFD_MS@", bfdMs.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@BFD_MULT@", bfdMult.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@API@", "", StringComparison.Ordinal);
    }

    /// <summary>The repository's lab/ directory (found above the test assembly).</summary>
    public static string LabDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "lab", "configs");
            if (Directory.Exists(candidate))
            {
                return Path.Combine(dir.FullName, "lab");
            }
        }

        throw new LabException($"lab/configs not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Sessions in state Established according to <c>show bgp summary json</c> (FRR's shape, both speakers).</summary>
    public static int EstablishedCount(BgpPeerBase speaker)
    {
        JsonNode summary = speaker switch
        {
            FrrInstance f => f.BgpSummary(),
            StackBgpInstance s => s.CliJson("show bgp summary json"),
            _ => throw new ArgumentException($"no summary for {speaker.Kind}", nameof(speaker)),
        };
        int n = 0;
        foreach (KeyValuePair<string, JsonNode?> family in summary.AsObject())
        {
            if (family.Value?["peers"] is JsonObject peers)
            {
                n += peers.Count(p => p.Value?["state"]?.GetValue<string>() == "Established");
            }
        }

        return n;
    }

    public void AddVip(int rack) => Controllers[rack].AddLoopbackAddress(Vip + "/32");

    public void RemoveVip(int rack) => Controllers[rack].RemoveLoopbackAddress(Vip + "/32");

    /// <summary>The next-hop addresses of the spine's kernel route for a /32 (sorted; empty when no route).</summary>
    public IReadOnlyList<string> SpineNextHops(string address = Vip)
    {
        string route = Spine.Ip("route", "show", address + "/32").Stdout;
        var hops = new List<string>();
        string[] words = route.Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i + 1 < words.Length; i++)
        {
            if (words[i] == "via")
            {
                hops.Add(words[i + 1]);
            }
        }

        hops.Sort(StringComparer.Ordinal);
        return hops;
    }

    /// <summary>One HTTP request from the client to the VIP (a new TCP connection); the answering controller's name or "".</summary>
    public string Ask() =>
        Client.Exec(TimeSpan.FromSeconds(10), "curl", "-s", "--max-time", "3", $"http://{Vip}:{VipPort}/").Stdout.Trim();

    /// <summary>Counts per answering controller over <paramref name="connections"/> requests ("" counts failures).</summary>
    public Dictionary<string, int> Spread(int connections)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < connections; i++)
        {
            string who = Ask();
            counts[who] = counts.GetValueOrDefault(who) + 1;
        }

        return counts;
    }

    /// <summary>Brings a killed controller's speaker back with the same config.</summary>
    public void RestartController(int rack)
    {
        BgpPeerBase old = _controllerSpeakers[rack]!;
        old.Dispose();
        _owned.Remove(old);
        _controllerSpeakers[rack] = StartSpeaker(Controllers[rack], ControllerKind, Render("controller", rack, BfdMs, 3));
        Poll.Until(() => EstablishedCount(LeafSpeakers[rack]), n => n == 2, TimeSpan.FromSeconds(90), $"leaf-{rack}: controller-{rack} Established again");
    }

    public string SpineRoutes() => Spine.Routes();

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        _owned.Clear();
    }
}
