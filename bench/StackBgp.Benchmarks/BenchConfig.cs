using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace StackBgp.Benchmarks;

/// <summary>
/// One in-process job (no per-benchmark rebuild: builds time out on a busy 2-core machine), few
/// iterations of whole operations (each is a full-table load), allocations reported.
/// </summary>
public sealed class RibBenchConfig : ManualConfig
{
    public RibBenchConfig()
    {
        AddJob(Job.Default
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: false))
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(3));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
