using Orleans.Concurrency;
using Orleans.Edge.Store.Inference;
using Orleans.Edge.Vision;

namespace Orleans.Edge.Store.Tests.Vision;

/// <summary>The inference step alone, behind a grain: for measuring a stateless pool against one grain per camera.</summary>
public interface IRouteJudgeGrain : IGrainWithStringKey
{
    Task<FrameResult> Judge(CameraFrame frame);
}

public interface IPoolJudgeGrain : IRouteJudgeGrain;

public interface ICameraJudgeGrain : IRouteJudgeGrain;

/// <summary>A <c>[StatelessWorker]</c> pool: any activation takes any camera's frame.</summary>
[StatelessWorker]
public sealed class PoolJudgeGrain(FrameBatcher batcher) : Grain, IPoolJudgeGrain
{
    public Task<FrameResult> Judge(CameraFrame frame) =>
        FrameChecks.Problem(frame, frame.CapturedAt, TimeSpan.FromMinutes(5)) is { } problem ? Task.FromResult(problem) : batcher.JudgeAsync(frame);
}

/// <summary>One grain per camera (key: camera id): a camera's frames are judged one at a time, in order.</summary>
public sealed class CameraJudgeGrain(FrameBatcher batcher) : Grain, ICameraJudgeGrain
{
    public Task<FrameResult> Judge(CameraFrame frame) =>
        FrameChecks.Problem(frame, frame.CapturedAt, TimeSpan.FromMinutes(5)) is { } problem ? Task.FromResult(problem) : batcher.JudgeAsync(frame);
}
