namespace Orleans.Edge.ModelLab;

/// <summary>Everything that decides a training run; the same options give the same model.</summary>
/// <param name="Seed">Seeds the frames, the weight init and the batch order.</param>
/// <param name="TrainFrames">Lab frames trained on (each epoch passes over all of them).</param>
/// <param name="Epochs">Passes over the training frames.</param>
/// <param name="BatchSize">Frames per optimiser step.</param>
/// <param name="LearningRate">Adam's learning rate (cosine-decayed to a tenth over the run).</param>
/// <param name="Threads">Torch and ONNX Runtime threads; results are reproducible for the same count.</param>
/// <param name="EvalFrames">Frames per domain in the report.</param>
/// <param name="Stores">Store domains reported besides the lab.</param>
public sealed record TrainingOptions(
    int Seed,
    int TrainFrames,
    int Epochs,
    int BatchSize,
    double LearningRate,
    int Threads,
    int EvalFrames,
    IReadOnlyList<string> Stores)
{
    /// <summary>Store domains of the demo's six stores.</summary>
    public static IReadOnlyList<string> DefaultStores { get; } = ["eu-s1", "eu-s2", "eu-s3", "us-s1", "us-s2", "us-s3"];
}
