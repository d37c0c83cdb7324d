using Xunit;

namespace StackBgp.Config.Tests;

/// <summary>Issue 4: routing knobs whose "unset" differs from "off" keep the difference through parse and print.</summary>
public class RoutingKnobTests
{
    [Theory]
    [InlineData("", null, null)]
    [InlineData(" bgp deterministic-med\n", true, "bgp deterministic-med")]
    [InlineData(" no bgp deterministic-med\n", false, "no bgp deterministic-med")]
    public void Deterministic_med_is_unset_on_or_off_and_prints_back(string line, bool? expected, string? printed)
    {
        var r = ConfigParser.Parse($"router bgp 65000\n{line}", "t.conf");
        Assert.True(r.IsValid, string.Join("\n", r.Errors));
        Assert.Equal(expected, r.Config!.Bgp!.DeterministicMed);
        string text = ConfigPrinter.Print(r.Config);
        if (printed is null) Assert.DoesNotContain("deterministic-med", text, StringComparison.Ordinal);
        else Assert.Contains("\n " + printed + "\n", text, StringComparison.Ordinal);
        Assert.Equal(expected, ConfigParser.Parse(text, "printed.conf").Config!.Bgp!.DeterministicMed);
    }
}
