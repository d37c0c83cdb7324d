using StackBgp.Wire;
using Xunit;

namespace StackBgp.Routing.Tests;

/// <summary>
/// The RIB's open-addressing prefix table against a <see cref="HashSet{T}"/> model: random adds and
/// removes over a small key space (long probe runs, wrap-around, backward-shift deletion, growth).
/// </summary>
public sealed class DestinationTableTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Matches_a_set_model_through_random_adds_and_removes(int seed)
    {
        var random = new Random(seed);
        var table = new DestinationTable();
        var model = new HashSet<Prefix>();
        for (int step = 0; step < 20_000; step++)
        {
            // 600 distinct keys, v4 and v6, so the table grows, fills and empties repeatedly
            int k = random.Next(600);
            var prefix = k % 3 == 0 ? Prefix.FromV6(0x20010db8_00000000UL | (ulong)k << 16, 0, 48) : Prefix.FromV4(0x0a000000u | (uint)k << 8, 24);
            if (random.Next(3) == 0)
            {
                Assert.Equal(model.Remove(prefix), table.Remove(prefix));
                if (random.Next(4) == 0) table.Recycle();
            }
            else
            {
                var d = Add(table, prefix);
                Assert.Equal(prefix, d.Prefix);
                Assert.Equal(d, Add(table, prefix));
                model.Add(prefix);
            }
            Assert.Equal(model.Count, table.Count);
            if (step % 997 == 0)
            {
                Assert.Equal(model.OrderBy(p => p), table.Values.Select(d => d.Prefix).OrderBy(p => p));
                foreach (var p in model) Assert.True(table.TryGetValue(p, out var found) && found.Prefix == p, $"{p} missing at step {step}");
            }
        }
    }

    private static Destination Add(DestinationTable table, Prefix prefix)
    {
        Assert.True(table.TryGetOrAdd(prefix, out var d), $"{prefix} not added");
        return d;
    }

    [Fact]
    public void A_full_table_refuses_new_prefixes_keeps_the_others_and_takes_more_after_removals()
    {
        var table = new DestinationTable(maxEntries: 100);
        for (uint i = 0; i < 100; i++) Add(table, Prefix.FromV4(0x0a000000u | i << 8, 24));
        Assert.False(table.TryGetOrAdd(Prefix.FromV4(0x0b000000u, 24), out _));
        Assert.Equal(100, table.Count);
        Assert.True(table.TryGetOrAdd(Prefix.FromV4(0x0a000500u, 24), out var existing) && existing.Prefix == Prefix.FromV4(0x0a000500u, 24));
        Assert.True(table.Remove(Prefix.FromV4(0x0a000000u, 24)));
        table.Recycle();
        Add(table, Prefix.FromV4(0x0b000000u, 24));
        Assert.Equal(100, table.Count);
        Assert.False(table.TryGetValue(Prefix.FromV4(0x0a000000u, 24), out _));
    }

    [Fact]
    public void A_destination_entry_is_80_bytes()
    {
        // A full table's largest cost (1M prefixes: 80 MB); a field added here costs a full table 8 MB.
        Assert.Equal(80, System.Runtime.CompilerServices.Unsafe.SizeOf<DestinationEntry>());
    }

    [Fact]
    public void Changing_the_table_while_enumerating_throws()
    {
        var table = new DestinationTable();
        for (uint i = 0; i < 10; i++) Add(table, Prefix.FromV4(0x0a000000u | i << 8, 24));
        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var d in table.Values) table.Remove(d.Prefix);
        });
    }

    [Fact]
    public void Lookups_of_absent_prefixes_fail_and_the_indexer_says_which()
    {
        var table = new DestinationTable();
        Add(table, Prefix.FromV4(0x0a000000u, 8));
        Assert.False(table.TryGetValue(Prefix.FromV4(0x0a000000u, 9), out _));
        var ex = Assert.Throws<KeyNotFoundException>(() => table[Prefix.FromV4(0x0b000000u, 8)]);
        Assert.Contains("11.0.0.0/8", ex.Message, StringComparison.Ordinal);
    }
}
