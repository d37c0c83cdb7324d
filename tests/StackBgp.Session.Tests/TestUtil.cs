using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Text;
using Microsoft.Extensions.Logging;

namespace StackBgp.Session.Tests;

/// <summary>Collects log lines so tests can assert on them.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");

    public string All => string.Join("\n", Lines);
}

public static class Poll
{
    /// <summary>Waits until <paramref name="condition"/> holds; fails with <paramref name="what"/> and the last observation.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, Func<string>? observed = null, int timeoutMs = 10000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"timed out waiting for: {what}; observed: {observed?.Invoke() ?? "-"}");
            await Task.Yield();
            await Task.Delay(5).ConfigureAwait(false); // polling interval, not a wait for the event itself
        }
    }

    public static async Task<T> WithTimeout<T>(Task<T> task, string what, int timeoutMs = 10000)
    {
        var done = await Task.WhenAny(task, Task.Delay(timeoutMs)).ConfigureAwait(false);
        if (done != task) throw new Xunit.Sdk.XunitException($"timed out waiting for: {what}");
        return await task.ConfigureAwait(false);
    }
}

public static class PipeText
{
    public static async Task WriteAsync(PipeWriter w, string s)
    {
        await w.WriteAsync(Encoding.ASCII.GetBytes(s));
    }

    public static async Task<string> ReadExactlyAsync(PipeReader r, int count)
    {
        while (true)
        {
            var res = await r.ReadAsync();
            if (res.Buffer.Length >= count)
            {
                string s = Encoding.ASCII.GetString(res.Buffer.Slice(0, count));
                r.AdvanceTo(res.Buffer.GetPosition(count));
                return s;
            }
            if (res.IsCompleted) throw new IOException($"EOF after {res.Buffer.Length} bytes");
            r.AdvanceTo(res.Buffer.Start, res.Buffer.End);
        }
    }
}
