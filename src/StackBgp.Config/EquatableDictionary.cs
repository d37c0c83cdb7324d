using System.Collections;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace StackBgp.Config;

/// <summary>An immutable dictionary compared by content, so config records compare structurally.</summary>
public readonly struct EquatableDictionary<TKey, TValue> : IEquatable<EquatableDictionary<TKey, TValue>>, IReadOnlyDictionary<TKey, TValue>
    where TKey : notnull
{
    private readonly ImmutableDictionary<TKey, TValue>? _items;

    public EquatableDictionary(ImmutableDictionary<TKey, TValue> items) => _items = items;

    public static EquatableDictionary<TKey, TValue> Empty => new(ImmutableDictionary<TKey, TValue>.Empty);

    private ImmutableDictionary<TKey, TValue> Items => _items ?? ImmutableDictionary<TKey, TValue>.Empty;

    public int Count => Items.Count;

    public TValue this[TKey key] => Items[key];

    public IEnumerable<TKey> Keys => Items.Keys;

    public IEnumerable<TValue> Values => Items.Values;

    public bool ContainsKey(TKey key) => Items.ContainsKey(key);

    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value) => Items.TryGetValue(key, out value);

    public EquatableDictionary<TKey, TValue> SetItem(TKey key, TValue value) => new(Items.SetItem(key, value));

    public EquatableDictionary<TKey, TValue> Remove(TKey key) => new(Items.Remove(key));

    public bool Equals(EquatableDictionary<TKey, TValue> other)
    {
        if (Count != other.Count) return false;
        var cmp = EqualityComparer<TValue>.Default;
        foreach (var (k, v) in Items)
            if (!other.Items.TryGetValue(k, out var ov) || !cmp.Equals(v, ov)) return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is EquatableDictionary<TKey, TValue> o && Equals(o);

    public override int GetHashCode()
    {
        int h = Count;
        foreach (var (k, v) in Items) h ^= HashCode.Combine(k, v);
        return h;
    }

    public static bool operator ==(EquatableDictionary<TKey, TValue> a, EquatableDictionary<TKey, TValue> b) => a.Equals(b);

    public static bool operator !=(EquatableDictionary<TKey, TValue> a, EquatableDictionary<TKey, TValue> b) => !a.Equals(b);

    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator() => Items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
