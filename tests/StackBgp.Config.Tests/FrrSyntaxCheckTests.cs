using System.Diagnostics;
using Xunit;

namespace StackBgp.Config.Tests;

/// <summary>Our printed config is FRR syntax: FRR's own vtysh accepts it (<c>vtysh --dryrun</c>, no daemons needed).</summary>
public class FrrSyntaxCheckTests
{
    private static (int ExitCode, string Output) VtyshDryRun(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), $"stackbgp-cfgcheck-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, text);
        try
        {
            var psi = new ProcessStartInfo("vtysh", ["--dryrun", "-f", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            Assert.True(p.WaitForExit(30_000), "vtysh --dryrun did not finish within 30 s");
            return (p.ExitCode, output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string WithoutStackBgpStanzas(string printed) =>
        string.Join('\n', printed.Split('\n').Where(l => !l.StartsWith("api ", StringComparison.Ordinal)
            && !l.StartsWith("metrics ", StringComparison.Ordinal) && !l.StartsWith("fib ", StringComparison.Ordinal)));

    [Fact]
    public void Frr_accepts_our_printed_kitchen_sink()
    {
        var c = ConfigParser.Parse(KitchenSinkTests.All, "all.conf").Config!;
        var (code, output) = VtyshDryRun(WithoutStackBgpStanzas(ConfigPrinter.Print(c)));
        Assert.True(code == 0 && output.Trim().Length == 0, $"vtysh --dryrun exit {code}:\n{output}");
    }

    [Fact]
    public void Frr_accepts_our_printed_rhosp_render()
    {
        var c = ConfigParser.Parse(RhospConfigs.Variants, "frr.conf").Config!;
        var (code, output) = VtyshDryRun(ConfigPrinter.Print(c));
        Assert.True(code == 0 && output.Trim().Length == 0, $"vtysh --dryrun exit {code}:\n{output}");
    }

    [Fact]
    public void The_dry_run_does_catch_bad_syntax()
    {
        var (code, output) = VtyshDryRun("router bgp 1\n bogus command\n");
        Assert.NotEqual(0, code);
        Assert.Contains("Unknown command", output, StringComparison.Ordinal);
    }
}
