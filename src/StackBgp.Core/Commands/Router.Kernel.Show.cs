using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using StackBgp.Core.Commands;

namespace StackBgp.Core;

public sealed partial class Router
{
    /// <summary>
    /// `show ip|ipv6 route`: the BGP routes StackBgp holds in the kernel FIB (zebra's view), each with its
    /// FIB state — installed (`B>*`), refused by the kernel (`B>`, with the error), not yet answered, or
    /// stale (`B`, kept from the previous run until it is learned again or swept).
    /// </summary>
    private async Task<CommandResult> ShowRoutesAsync(bool ipv6, bool json, CancellationToken cancellationToken)
    {
        if (_kernel is null) return CommandResult.Fail("the kernel FIB is not managed by this instance (started without the zebra role)");
        var entries = (await _kernel.FibEntriesAsync(cancellationToken).ConfigureAwait(false))
            .Where(e => e.Route.IsIpv6 == ipv6)
            .Select(e => (Prefix: Wire.Prefix.FromAddress(e.Route.Prefix.BaseAddress, e.Route.Prefix.PrefixLength), Entry: e))
            .OrderBy(e => e.Prefix).ThenBy(e => e.Entry.Route.Table).ToList();
        if (json)
        {
            var root = new JsonObject();
            foreach (var (prefix, e) in entries)
            {
                var route = e.Route;
                bool installed = e.State == Linux.Fib.FibEntryState.Installed;
                var hops = new JsonArray();
                foreach (var nh in route.NextHops)
                {
                    hops.Add((JsonNode)new JsonObject
                    {
                        ["ip"] = nh.Gateway?.ToString(),
                        ["afi"] = nh.Gateway?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4",
                        ["interfaceIndex"] = nh.IfIndex,
                        ["interfaceName"] = InterfaceName(nh),
                        ["active"] = true,
                        ["fib"] = installed,
                    });
                }
                var entry = new JsonObject
                {
                    ["prefix"] = prefix.ToString(),
                    ["protocol"] = "bgp",
                    ["selected"] = e.State != Linux.Fib.FibEntryState.Stale,
                    ["installed"] = installed,
                    ["fibState"] = e.State.ToString().ToLowerInvariant(),
                    ["table"] = route.Table,
                    ["metric"] = route.Metric,
                    ["prefsrc"] = route.PreferredSource?.ToString(),
                    ["nexthops"] = hops,
                };
                if (e.LastError is { } error) entry["fibError"] = $"{error.ErrorName}{(error.KernelMessage is { } m ? $" ({m})" : "")}";
                if (root[prefix.ToString()] is JsonArray list) list.Add((JsonNode)entry);
                else root[prefix.ToString()] = new JsonArray(entry);
            }
            return CommandResult.Ok(FrrJson.Format(root));
        }
        var sb = new StringBuilder("Codes: B - BGP, > - selected route, * - FIB route (installed), stale - kept from the previous run\n\n");
        foreach (var (prefix, e) in entries)
        {
            var route = e.Route;
            string code = e.State switch
            {
                Linux.Fib.FibEntryState.Installed => "B>*",
                Linux.Fib.FibEntryState.Stale => "B  ",
                _ => "B> ",
            };
            string note = e.State switch
            {
                Linux.Fib.FibEntryState.Stale => " (stale)",
                Linux.Fib.FibEntryState.Failed => $" (kernel refused: {e.LastError?.ErrorName}{(e.LastError?.KernelMessage is { } m ? $", {m}" : "")})",
                Linux.Fib.FibEntryState.Pending => " (pending)",
                _ => "",
            };
            string table = route.Table == Linux.Routes.RouteTable.Main ? "" : string.Create(CultureInfo.InvariantCulture, $" table {route.Table}");
            bool first = true;
            foreach (var nh in route.NextHops)
            {
                string name = InterfaceName(nh) ?? (nh.IfIndex == 0 ? "" : nh.IfIndex.ToString(CultureInfo.InvariantCulture));
                string dev = name.Length == 0 ? "" : ", " + name;
                string via = nh.Gateway is { } g ? $"via {g}" : "directly connected";
                string src = route.PreferredSource is { } s ? $", src {s}" : "";
                sb.Append(first ? $"{code} {prefix} [20/{route.Metric}] {via}{dev}{src}{table}{note}\n" : $"  {(e.State == Linux.Fib.FibEntryState.Installed ? '*' : ' ')} {new string(' ', prefix.ToString().Length)} {via}{dev}{src}\n");
                first = false;
            }
        }
        return CommandResult.Ok(sb.ToString());

        // The route's own interface, else the one next-hop tracking resolved the gateway through (the FIB
        // leaves that choice to the kernel for every gateway but a link-local one).
        string? InterfaceName(Linux.Routes.KernelNextHop nh) =>
            nh.IfIndex != 0 ? _kernel.Interfaces.GetValueOrDefault(nh.IfIndex)?.Name ?? nh.IfName : nh.IfName ?? _kernel.ResolvedInterface(nh.Gateway);
    }

    /// <summary>`show interface [brief]`: the links and addresses StackBgp sees.</summary>
    private CommandResult ShowInterfaces(bool brief)
    {
        if (_kernel is null) return CommandResult.Fail("links and addresses are not watched by this instance (started without the zebra role)");
        var sb = new StringBuilder();
        if (brief) sb.Append("Interface       Status  Addresses\n");
        foreach (var i in _kernel.Interfaces.Values.OrderBy(i => i.IfIndex))
        {
            var addrs = i.Addresses.Select(a => $"{a.Address}/{a.PrefixLength}");
            if (brief)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{i.Name,-15} {(i.IsUp ? "up" : "down"),-7} {string.Join(' ', addrs)}\n");
                continue;
            }
            sb.Append(CultureInfo.InvariantCulture, $"Interface {i.Name} is {(i.IsUp ? "up" : "down")}, line protocol is {(i.IsUp ? "up" : "down")}\n");
            sb.Append(CultureInfo.InvariantCulture, $"  index {i.IfIndex} mtu {i.Link.Mtu} flags <{i.Link.Flags}> oper {i.Link.OperState}\n");
            foreach (var a in addrs) sb.Append(CultureInfo.InvariantCulture, $"  inet {a}\n");
            sb.Append('\n');
        }
        return CommandResult.Ok(sb.ToString());
    }
}
