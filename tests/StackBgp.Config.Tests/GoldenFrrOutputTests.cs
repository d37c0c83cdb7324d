using Xunit;

namespace StackBgp.Config.Tests;

/// <summary>FRR's own <c>show running-config</c> of the RHOSP renders (see the header of each file) must read back.</summary>
public class GoldenFrrOutputTests
{
    public static TheoryData<string> Files => new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Golden"), "*.conf").Select(Path.GetFileName)!);

    private static string Read(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", file));

    [Theory]
    [MemberData(nameof(Files))]
    public void Frr_running_config_parses_with_no_errors(string file)
    {
        var r = ConfigParser.Parse(Read(file), file);
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors));
        Assert.Empty(r.UnsupportedCommands);
        // Only the forwarding sysctl lines are ignored (with a warning saying so).
        Assert.Equal(["no ip forwarding", "no ipv6 forwarding"], r.Warnings.Select(w => w.Command));
        Assert.False(r.Config!.Bgp!.HardAdministrativeReset);
        Assert.False(r.Config.Bgp.GracefulRestartNotification);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Frr_output_and_the_rhosp_source_give_the_same_bgp_and_policy(string file)
    {
        var fromFrr = ConfigParser.Parse(Read(file), file).Config!;
        string source = file.Contains("numbered", StringComparison.Ordinal) ? RhospConfigs.Numbered
            : file.Contains("variants", StringComparison.Ordinal) ? RhospConfigs.Variants : RhospConfigs.Render;
        var fromSource = ConfigParser.Parse(source, "src.conf").Config!;
        Assert.Equal(fromSource.Policy, fromFrr.Policy);
        Assert.Equal(fromSource.ProtocolRouteMaps, fromFrr.ProtocolRouteMaps);
        var a = fromSource.Bgp!.EffectiveNeighbors(fromSource.TimerDefaults);
        var b = fromFrr.Bgp!.EffectiveNeighbors(fromFrr.TimerDefaults);
        Assert.Equal(a, b);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Our_printer_matches_frrs_lines_for_bgp_and_policy(string file)
    {
        // Every line of FRR's router bgp, prefix-list and route-map sections appears in our output.
        var ours = ConfigPrinter.Print(ConfigParser.Parse(Read(file), file).Config!).Split('\n').ToHashSet(StringComparer.Ordinal);
        var frrLines = Read(file).Split('\n')
            .Where(l => l.StartsWith(' ') || l.StartsWith("router bgp", StringComparison.Ordinal) || l.StartsWith("ip prefix-list", StringComparison.Ordinal)
                     || l.StartsWith("ipv6 prefix-list", StringComparison.Ordinal) || l.StartsWith("route-map", StringComparison.Ordinal))
            .Where(l => l.Trim() is not ("!" or "exit" or "profile tripleo"));
        Assert.All(frrLines, l => Assert.Contains(l, ours));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Our_router_bgp_section_is_frrs_line_for_line(string file)
    {
        static List<string> Section(string text)
        {
            var lines = text.Split('\n').ToList();
            int start = lines.FindIndex(l => l.StartsWith("router bgp", StringComparison.Ordinal));
            int end = lines.FindIndex(start, l => l == "exit");
            return lines[start..(end + 1)];
        }
        string frr = Read(file);
        string ours = ConfigPrinter.Print(ConfigParser.Parse(frr, file).Config!);
        Assert.Equal(Section(frr), Section(ours));
    }
}
