using System.Diagnostics;
using System.Text.Json;

namespace StackBgp.Linux.Tests;

/// <summary>
/// A network namespace created for one test (unique name "stklnx-" + random suffix), with `lo`
/// up and a veth pair va/vb inside it; deleted on Dispose. Leftovers of earlier runs with the
/// same prefix are removed once per test process.
/// </summary>
public sealed class LabNamespace : IDisposable
{
    public const string Prefix = "stklnx-";
    private static readonly Lazy<bool> s_swept = new(SweepLeftovers);

    public LabNamespace(bool withVeth = true)
    {
        _ = s_swept.Value;
        Name = Prefix + Guid.NewGuid().ToString("N")[..10];
        Ip($"netns add {Name}");
        try
        {
            Ip($"-n {Name} link set lo up");
            if (withVeth)
            {
                Ip($"-n {Name} link add va type veth peer name vb");
                Ip($"-n {Name} link set va up");
                Ip($"-n {Name} link set vb up");
                Ip($"-n {Name} addr add 10.77.0.1/24 dev va");
                Ip($"-n {Name} -6 addr add 2001:db8:77::1/64 dev va nodad");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }

    public string Exec(string ipArgs) => Ip($"-n {Name} {ipArgs}");

    /// <summary>`ip -n NS -j …` parsed.</summary>
    public JsonElement Json(string ipArgs)
    {
        string text = Exec("-j " + ipArgs);
        return JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "[]" : text).RootElement.Clone();
    }

    /// <summary>`ip -n NS -j route show …` as a list of route objects.</summary>
    public List<JsonElement> Routes(string args = "") => Json("route show " + args).EnumerateArray().ToList();

    public List<JsonElement> Routes6(string args = "") => Json("-6 route show " + args).EnumerateArray().ToList();

    public int IfIndex(string name) => Json($"link show dev {name}")[0].GetProperty("ifindex").GetInt32();

    public static string Ip(string args) => Run("ip", args);

    public static string Run(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {args} failed ({p.ExitCode}): {stderr.Result}");
        }

        return stdout.Result;
    }

    public void Dispose()
    {
        try
        {
            Ip($"netns del {Name}");
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private static bool SweepLeftovers()
    {
        if (!Directory.Exists("/var/run/netns"))
        {
            return true;
        }

        foreach (string path in Directory.GetFiles("/var/run/netns", Prefix + "*"))
        {
            try
            {
                Ip("netns del " + Path.GetFileName(path));
            }
            catch (InvalidOperationException)
            {
            }
        }

        return true;
    }
}

/// <summary>Polling with a deadline instead of sleeping.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, Func<string> describe, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException("timed out: " + describe());
            }

            await Task.Yield();
            await Task.Delay(20).ConfigureAwait(false); // poll interval, not a wait for the condition
        }
    }
}
