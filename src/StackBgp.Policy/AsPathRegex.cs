using System.Text;
using System.Text.RegularExpressions;

namespace StackBgp.Policy;

/// <summary>
/// FRR's AS-path (and community) regular-expression dialect: POSIX extended regular expressions
/// where <c>_</c> matches a delimiter — start or end of the string, a space, a comma, a brace or
/// a parenthesis. Translated once into a .NET <see cref="Regex"/> run over the canonical path
/// string, e.g. "65001 65002 {65003,65004}" (AS_SET in braces, confederation sequences in
/// parentheses, confederation sets in brackets), the form FRR matches against.
/// </summary>
public static class AsPathRegex
{
    private const string Delimiter = "(?:^|[,{}()\\[\\] ]|$)";

    /// <summary>Rewrites FRR syntax to .NET syntax (only <c>_</c> differs for the expressions FRR users write).</summary>
    public static string Translate(string frrRegex)
    {
        ArgumentNullException.ThrowIfNull(frrRegex);
        var sb = new StringBuilder(frrRegex.Length + 16);
        bool inClass = false;
        for (int i = 0; i < frrRegex.Length; i++)
        {
            char ch = frrRegex[i];
            if (ch == '\\' && i + 1 < frrRegex.Length)
            {
                sb.Append(ch).Append(frrRegex[++i]);
                continue;
            }
            if (inClass)
            {
                if (ch == ']') inClass = false;
                sb.Append(ch);
                continue;
            }
            if (ch == '[') { inClass = true; sb.Append(ch); continue; }
            sb.Append(ch == '_' ? Delimiter : ch.ToString());
        }
        return sb.ToString();
    }

    public static bool TryCompile(string frrRegex, RegexOptions options, out Regex? regex, out string? error)
    {
        regex = null;
        error = null;
        try
        {
            // Non-backtracking: matching is linear in the input whatever the user wrote, so no
            // timeout is needed (a timeout would throw on the RIB's hot path under CPU load). POSIX
            // EREs have no back-references or lookarounds, the only things this engine refuses.
            regex = new Regex(Translate(frrRegex), (options & ~RegexOptions.Compiled) | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            error = $"invalid regular expression '{frrRegex}': {ex.Message}";
            return false;
        }
    }

    public static Regex Compile(string frrRegex) =>
        TryCompile(frrRegex, RegexOptions.None, out var r, out var e) ? r! : throw new ArgumentException(e, nameof(frrRegex));
}
