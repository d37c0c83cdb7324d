using System.Diagnostics;

namespace StackBgp.Interop.Tests.Lab;

/// <summary>
/// Waits for a condition by polling with a deadline. On timeout it fails with what was expected and
/// what was last seen — never a bare sleep.
/// </summary>
public static class Poll
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>Polls <paramref name="condition"/> until true; on timeout throws with <paramref name="describe"/>() (expected and seen).</summary>
    public static void Until(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(describe);
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (true)
        {
            try
            {
                if (condition())
                {
                    return;
                }

                last = null;
            }
            catch (LabException e)
            {
                last = e; // e.g. the CLI is not answering yet; keep polling
            }

            if (clock.Elapsed >= timeout)
            {
                string tail = last is null ? "" : $"\nlast error: {last.Message}";
                throw new TimeoutException($"after {timeout.TotalSeconds:0.#} s: {describe()}{tail}");
            }

            Thread.Sleep(Interval);
        }
    }

    /// <summary>
    /// Polls <paramref name="probe"/> until <paramref name="accept"/> holds and returns that value; on timeout
    /// the message is "expected {expected}; last seen: {probe value}".
    /// </summary>
    public static T Until<T>(Func<T> probe, Func<T, bool> accept, TimeSpan timeout, string expected)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(accept);
        T? seen = default;
        bool haveSeen = false;
        Until(
            () =>
            {
                seen = probe();
                haveSeen = true;
                return accept(seen);
            },
            timeout,
            () => $"expected {expected}; last seen: {(haveSeen ? seen?.ToString() ?? "null" : "nothing (probe never answered)")}");
        return seen!;
    }

    /// <summary>
    /// Measures how long after <paramref name="start"/> the condition first holds, polling every
    /// <paramref name="interval"/> (default 5 ms); fails like <see cref="Until(Func{bool}, TimeSpan, Func{string})"/>.
    /// For the demo and benchmark figures, never for assertions on timing in CI.
    /// </summary>
    public static TimeSpan Measure(Stopwatch start, Func<bool> condition, TimeSpan timeout, Func<string> describe, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(describe);
        TimeSpan step = interval ?? TimeSpan.FromMilliseconds(5);
        while (!condition())
        {
            if (start.Elapsed >= timeout)
            {
                throw new TimeoutException($"after {timeout.TotalSeconds:0.#} s: {describe()}");
            }

            Thread.Sleep(step);
        }

        return start.Elapsed;
    }
}
