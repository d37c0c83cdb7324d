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
}
