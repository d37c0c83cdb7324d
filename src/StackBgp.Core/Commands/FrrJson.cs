using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StackBgp.Core.Commands;

/// <summary>
/// JSON printed the way vtysh prints it (json-c "pretty": two-space indent, no space after the
/// colon), so scripts written against FRR's output — including ones that grep it — keep working.
/// </summary>
internal static partial class FrrJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Format(JsonNode node) => KeyColon().Replace(node.ToJsonString(Indented), "$1:") + "\n";

    [GeneratedRegex("^(\\s*\"(?:[^\"\\\\]|\\\\.)*\"): ", RegexOptions.Multiline)]
    private static partial Regex KeyColon();
}
