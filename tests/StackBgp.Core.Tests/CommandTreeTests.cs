using StackBgp.Core.Commands;
using Xunit;

namespace StackBgp.Core.Tests;

public sealed class CommandTreeTests
{
    private static CommandTree Tree(List<string> seen)
    {
        var t = new CommandTree();
        t.Add("show bgp summary [json]", (a, _) => { seen.Add("summary" + (a.Has("json") ? "+json" : "")); return Task.FromResult(CommandResult.Ok("")); });
        t.Add("show bgp [ipv4|ipv6] [unicast] [PREFIX] [json]", (a, _) => { seen.Add($"table {a["ipv4"] ?? a["ipv6"] ?? "-"} {a["PREFIX"] ?? "-"}"); return Task.FromResult(CommandResult.Ok("")); });
        t.Add("show bgp neighbors [NEIGHBOR] [json]", (a, _) => { seen.Add("neighbors " + (a["NEIGHBOR"] ?? "-")); return Task.FromResult(CommandResult.Ok("")); });
        return t;
    }

    [Theory]
    [InlineData("show bgp summary", "summary")]
    [InlineData("sh bgp sum json", "summary+json")]
    [InlineData("show bgp ipv6 unicast 2001:db8::/32", "table ipv6 2001:db8::/32")]
    [InlineData("show bgp 10.0.0.0/8", "table - 10.0.0.0/8")]
    [InlineData("show bgp ipv4", "table ipv4 -")]
    [InlineData("show bgp neighbors 10.0.0.1", "neighbors 10.0.0.1")]
    [InlineData("show bgp nei", "neighbors -")]
    public async Task Commands_match_like_vtysh(string line, string expected)
    {
        var seen = new List<string>();
        var r = await Tree(seen).ExecuteAsync(line, CancellationToken.None);
        Assert.Null(r.Error);
        Assert.Equal([expected], seen);
    }

    [Fact]
    public async Task Unknown_command_is_an_error_naming_it()
    {
        var seen = new List<string>();
        var r = await Tree(seen).ExecuteAsync("show ospf", CancellationToken.None);
        Assert.Contains("unknown command: show ospf", r.Error);
        Assert.Empty(seen);
    }
}
