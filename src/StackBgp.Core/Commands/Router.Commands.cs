using StackBgp.Core.Commands;

namespace StackBgp.Core;

public sealed partial class Router
{
    /// <summary>The vtysh-style commands the CLI and the API accept.</summary>
    private void RegisterCommands()
    {
        var c = _commands;
        c.Add("show bgp summary [json]", (a, _) => ShowSummaryAsync(null, a.Has("json")));
        c.Add("show ip bgp summary [json]", (a, _) => ShowSummaryAsync(Wire.AddressFamily.Ipv4Unicast, a.Has("json")));
        c.Add("show bgp ipv4|ipv6 [unicast] summary [json]", (a, _) => ShowSummaryAsync(FamilyOf(a), a.Has("json")));
        c.Add("show bgp neighbors [NEIGHBOR] [json]", (a, _) => ShowNeighborsAsync(a["NEIGHBOR"], a.Has("json")));
        c.Add("show ip bgp neighbors [NEIGHBOR] [json]", (a, _) => ShowNeighborsAsync(a["NEIGHBOR"], a.Has("json")));
        c.Add("show bgp [ipv4|ipv6] [unicast] neighbors NEIGHBOR advertised-routes|received-routes [json]",
            (a, _) => ShowNeighborRoutesAsync(a["NEIGHBOR"]!, FamilyOf(a), a.Has("advertised-routes"), a.Has("json")));
        c.Add("show ip bgp neighbors NEIGHBOR advertised-routes|received-routes [json]",
            (a, _) => ShowNeighborRoutesAsync(a["NEIGHBOR"]!, Wire.AddressFamily.Ipv4Unicast, a.Has("advertised-routes"), a.Has("json")));
        c.Add("show bgp [ipv4|ipv6] [unicast] [PREFIX] [json]", (a, _) => ShowBgpAsync(FamilyOf(a), a["PREFIX"], a.Has("json")));
        c.Add("show ip bgp [PREFIX] [json]", (a, _) => ShowBgpAsync(Wire.AddressFamily.Ipv4Unicast, a["PREFIX"], a.Has("json")));
        c.Add("show running-config", (_, _) => Task.FromResult(CommandResult.Ok(StackBgp.Config.ConfigPrinter.Print(_config, redactSecrets: false))));
        c.Add("show ip|ipv6 route [json]", (a, ct) => ShowRoutesAsync(a.Has("ipv6"), a.Has("json"), ct));
        c.Add("show interface [brief]", (a, _) => Task.FromResult(ShowInterfaces(a.Has("brief"))));
        c.Add("show bfd peers [brief] [json]", (a, _) => ShowBfdAsync(a.Has("brief"), a.Has("json")));
        c.Add("show bfd peers counters [json]", (a, _) => ShowBfdCountersAsync());
        c.Add("clear bgp [ipv4|ipv6] [unicast] NEIGHBOR [soft] [in|out]", (a, _) => ClearAsync(a["NEIGHBOR"]!, a.Has("soft"), a.Has("in"), a.Has("out")));
        c.Add("clear ip bgp NEIGHBOR [soft] [in|out]", (a, _) => ClearAsync(a["NEIGHBOR"]!, a.Has("soft"), a.Has("in"), a.Has("out")));
        c.Add("show memory [json]", (a, _) => ShowMemoryAsync(a.Has("json")));
        c.Add("show version", (_, _) => Task.FromResult(CommandResult.Ok($"StackBgp {typeof(Router).Assembly.GetName().Version} (.NET {Environment.Version})\n")));
    }

    private static Wire.AddressFamily FamilyOf(CommandArgs a) =>
        a.Has("ipv6") ? Wire.AddressFamily.Ipv6Unicast : Wire.AddressFamily.Ipv4Unicast;
}
