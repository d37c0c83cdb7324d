namespace StackBgp.Core.Commands;

/// <summary>The output of one command: text or JSON, or an error a person can act on.</summary>
public sealed record CommandResult(string Output, string? Error = null)
{
    public static CommandResult Ok(string output) => new(output);
    public static CommandResult Fail(string error) => new("", error);
}

/// <summary>
/// vtysh-style command matching. A command is written as a pattern of tokens:
/// a keyword (<c>show</c>), an alternative (<c>ipv4|ipv6</c>), a placeholder in capitals
/// (<c>ADDR</c>, <c>PREFIX</c>, <c>WORD</c>), and optional groups in brackets written as a
/// separate token per optional element (<c>[json]</c>, <c>[PREFIX]</c>). Keywords may be
/// abbreviated to any unambiguous prefix (<c>sh bgp sum</c>), as in vtysh.
/// </summary>
public sealed class CommandTree
{
    private readonly List<Entry> _entries = [];

    public delegate Task<CommandResult> Handler(CommandArgs args, CancellationToken ct);

    private sealed record Entry(string Pattern, Token[] Tokens, Handler Handler);

    private readonly record struct Token(string[] Words, bool Optional, bool Placeholder, string Name);

    public void Add(string pattern, Handler handler)
    {
        var tokens = pattern.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ParseToken).ToArray();
        _entries.Add(new Entry(pattern, tokens, handler));
    }

    public IEnumerable<string> Patterns => _entries.Select(e => e.Pattern);

    private static Token ParseToken(string t)
    {
        bool optional = t.StartsWith('[') && t.EndsWith(']');
        if (optional) t = t[1..^1];
        bool placeholder = t.All(c => char.IsUpper(c) || c == '_' || char.IsDigit(c));
        return new Token(t.Split('|'), optional, placeholder, t);
    }

    public async Task<CommandResult> ExecuteAsync(string line, CancellationToken ct)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0) return CommandResult.Fail("empty command");
        var matches = new List<(Entry Entry, CommandArgs Args, int Exact)>();
        foreach (var e in _entries)
        {
            var args = new CommandArgs();
            if (TryMatch(e.Tokens, 0, words, 0, args, out int exact)) matches.Add((e, args, exact));
        }
        if (matches.Count == 0) return CommandResult.Fail($"unknown command: {line} (try `stackbgp --help`)");
        // Prefer the match with the most exactly-spelled keywords (so "show bgp summary" is not read
        // as a prefix named "summary"); among equals, the command registered first.
        var best = matches.OrderByDescending(m => m.Exact).ToList();
        return await best[0].Entry.Handler(best[0].Args, ct).ConfigureAwait(false);
    }

    private bool TryMatch(Token[] tokens, int ti, string[] words, int wi, CommandArgs args, out int exact)
    {
        exact = 0;
        if (ti == tokens.Length) return wi == words.Length;
        var t = tokens[ti];
        if (wi < words.Length && MatchWord(t, words[wi], out string? value, out bool isExact))
        {
            var snapshot = args.Clone();
            args.Set(t.Name, value!, t.Placeholder);
            if (TryMatch(tokens, ti + 1, words, wi + 1, args, out int rest))
            {
                // Score: a keyword spelled out 2, an abbreviated keyword 1, a placeholder 0.
                exact = rest + (t.Placeholder ? 0 : isExact ? 2 : 1);
                return true;
            }
            args.Restore(snapshot);
        }
        if (t.Optional) return TryMatch(tokens, ti + 1, words, wi, args, out exact);
        return false;
    }

    private bool MatchWord(Token t, string word, out string? value, out bool isExact)
    {
        value = null;
        isExact = false;
        if (t.Placeholder)
        {
            // A placeholder never swallows a keyword that the same position could mean.
            if (word is "json" && t.Name != "WORD") return false;
            value = word;
            return true;
        }
        foreach (string w in t.Words)
        {
            if (string.Equals(w, word, StringComparison.OrdinalIgnoreCase))
            {
                value = w;
                isExact = true;
                return true;
            }
        }
        var prefixed = t.Words.Where(w => w.StartsWith(word, StringComparison.OrdinalIgnoreCase)).ToList();
        if (prefixed.Count == 1)
        {
            value = prefixed[0];
            return true;
        }
        return false;
    }
}

/// <summary>Values matched by a command's placeholders and alternatives, by token name.</summary>
public sealed class CommandArgs
{
    private Dictionary<string, string> _values = new(StringComparer.Ordinal);

    internal void Set(string name, string value, bool placeholder)
    {
        _values[name] = value;
        if (!placeholder) _values[value] = value;
    }

    internal Dictionary<string, string> Clone() => new(_values, StringComparer.Ordinal);

    internal void Restore(Dictionary<string, string> snapshot) => _values = snapshot;

    /// <summary>The value of a placeholder (<c>ADDR</c>) or the chosen word of an alternative (<c>ipv4|ipv6</c>).</summary>
    public string? this[string name] => _values.GetValueOrDefault(name);

    /// <summary>True if the keyword appeared (e.g. <c>Has("json")</c>).</summary>
    public bool Has(string keyword) => _values.ContainsKey(keyword);
}
