using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using StackBgp.Core.Commands;

namespace StackBgp.Core;

public sealed partial class Router
{
    /// <summary>`show ip|ipv6 route`: what StackBgp installed in the kernel (zebra's view of BGP routes).</summary>
    private CommandResult ShowRoutes(bool ipv6, bool json)
    {
        if (_kernel is null) return CommandResult.Fail("the kernel FIB is not managed by this instance (started without the zebra role)");
        var routes = _kernel.Installed.Where(r => r.Key.IsIpv6 == ipv6).OrderBy(r => r.Key).ToList();
        if (json)
        {
            var root = new JsonObject();
            foreach (var (prefix, route) in routes)
            {
                var hops = new JsonArray();
                foreach (var nh in route.NextHops)
                {
                    hops.Add(new JsonObject
                    {
                        ["ip"] = nh.Gateway?.ToString(),
                        ["afi"] = nh.Gateway?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4",
                        ["interfaceIndex"] = nh.IfIndex,
                        ["interfaceName"] = nh.IfIndex == 0 ? null : _kernel.Interfaces.GetValueOrDefault(nh.IfIndex)?.Name,
                        ["active"] = true,
                        ["fib"] = true,
                    });
                }
                root[prefix.ToString()] = new JsonArray(new JsonObject
                {
                    ["prefix"] = prefix.ToString(),
                    ["protocol"] = "bgp",
                    ["selected"] = true,
                    ["installed"] = true,
                    ["table"] = route.Table,
                    ["metric"] = route.Metric,
                    ["prefsrc"] = route.PreferredSource?.ToString(),
                    ["nexthops"] = hops,
                });
            }
            return CommandResult.Ok(FrrJson.Format(root));
        }
        var sb = new StringBuilder("Codes: B - BGP, > - selected route, * - FIB route\n\n");
        foreach (var (prefix, route) in routes)
        {
            bool first = true;
            foreach (var nh in route.NextHops)
            {
                string dev = nh.IfIndex == 0 ? "" : ", " + (_kernel.Interfaces.GetValueOrDefault(nh.IfIndex)?.Name ?? nh.IfIndex.ToString(CultureInfo.InvariantCulture));
                string src = route.PreferredSource is { } s ? $", src {s}" : "";
                sb.Append(first ? $"B>* {prefix} [20/{route.Metric}] via {nh.Gateway}{dev}{src}\n" : $"  * {new string(' ', prefix.ToString().Length)} via {nh.Gateway}{dev}{src}\n");
                first = false;
            }
        }
        return CommandResult.Ok(sb.ToString());
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
