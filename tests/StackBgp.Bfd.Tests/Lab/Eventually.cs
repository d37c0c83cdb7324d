namespace StackBgp.Bfd.Tests.Lab;

/// <summary>Polls a condition until it holds or a deadline passes (never a bare sleep).</summary>
internal static class Eventually
{
    public static async Task<T> Poll<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan deadline, string expected, Func<T, string>? describe = null)
    {
        var end = DateTime.UtcNow + deadline;
        T last = await probe();
        while (!condition(last))
        {
            if (DateTime.UtcNow > end)
            {
                Assert.Fail($"expected {expected} within {deadline.TotalSeconds} s; last seen: {(describe is null ? last?.ToString() : describe(last))}");
            }
            await Task.Delay(20);
            last = await probe();
        }
        return last;
    }
}
