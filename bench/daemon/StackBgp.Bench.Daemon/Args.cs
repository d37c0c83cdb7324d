using System.Globalization;
using System.Net;

namespace StackBgp.Bench.Daemon;

/// <summary><c>--key value</c> and <c>--flag</c> command-line options.</summary>
internal sealed class Args
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public Args(IEnumerable<string> args)
    {
        string? key = null;
        foreach (string a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (key is not null)
                {
                    _values[key] = "true";
                }

                key = a[2..];
            }
            else if (key is not null)
            {
                _values[key] = a;
                key = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{a}'");
            }
        }

        if (key is not null)
        {
            _values[key] = "true";
        }
    }

    public bool Has(string key) => _values.ContainsKey(key);

    public string Get(string key) =>
        _values.TryGetValue(key, out string? v) ? v : throw new ArgumentException($"missing --{key}");

    public string Get(string key, string fallback) => _values.GetValueOrDefault(key, fallback);

    public int Int(string key, int fallback) =>
        _values.TryGetValue(key, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string key, double fallback) =>
        _values.TryGetValue(key, out string? v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public static uint ToUInt(IPAddress a) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(a.GetAddressBytes());
}
