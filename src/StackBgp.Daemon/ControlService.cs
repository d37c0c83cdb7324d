using Grpc.Core;
using StackBgp.Api.V1;
using StackBgp.Core;

namespace StackBgp.Daemon;

/// <summary>The gRPC face of the instance: each call is a vtysh-style command.</summary>
internal sealed class ControlService(Router instance) : Control.ControlBase
{
    public override async Task<ExecuteReply> Execute(ExecuteRequest request, ServerCallContext context)
    {
        var result = await instance.ExecuteAsync(request.Command, context.CancellationToken).ConfigureAwait(false);
        return new ExecuteReply { Output = result.Output, Error = result.Error ?? "" };
    }
}
