using System.Runtime.Versioning;
using Xunit;

// Interop tests share the machine's network namespaces, FRR path space and CPU: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true, MaxParallelThreads = 1)]

// Network namespaces, veth and the peer daemons exist only on Linux.
[assembly: SupportedOSPlatform("linux")]
