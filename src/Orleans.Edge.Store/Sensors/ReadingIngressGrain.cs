using Orleans.Concurrency;
using Orleans.Edge.Domain;
using Orleans.Edge.Grains;

namespace Orleans.Edge.Store.Sensors;

/// <summary>
/// Fans a batch of readings out to their sensor grains. One message from the client instead of
/// one per reading: the gateway and the network carry a tenth of the messages at 10 Hz.
/// </summary>
[StatelessWorker]
public sealed class ReadingIngressGrain : Grain, IReadingIngressGrain
{
    public async Task<IReadOnlyList<IngestResult>> Submit(IReadOnlyList<SensorReading> readings)
    {
        var results = new Task<IngestResult>[readings.Count];
        for (var i = 0; i < readings.Count; i++)
        {
            var reading = readings[i];
            results[i] = reading is null
                ? Task.FromResult(new IngestResult(ReadingRejection.UnknownSensor, "a reading in the batch is empty"))
                : EdgeId.Problem(reading.SensorId.Value, "sensor id") is { } problem
                    ? Task.FromResult(new IngestResult(ReadingRejection.UnknownSensor, problem))
                    : GrainFactory.GetGrain<ISensorGrain>(reading.SensorId.Value).Ingest(reading);
        }
        return await Task.WhenAll(results);
    }
}
