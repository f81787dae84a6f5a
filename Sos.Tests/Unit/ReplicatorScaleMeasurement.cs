using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Replicator.Replication;
using Xunit.Abstractions;

namespace Sos.Tests.Unit;

/// <summary>
/// A measurement, not a check: runs only when <c>SOS_MEASURE_IDS</c> is set (the README's closing
/// numbers come from <c>SOS_MEASURE_IDS=1000000</c>), since a million objects take longer than a
/// test run should.
/// </summary>
public sealed class ReplicatorScaleMeasurement(ITestOutputHelper output)
{
    [MeasurementFact]
    public async Task ADryRunPassOverManyObjectsStaysWithinAFewPagesOfMemory()
    {
        var objects = int.Parse(Environment.GetEnvironmentVariable("SOS_MEASURE_IDS")!, System.Globalization.CultureInfo.InvariantCulture);
        var store = new SyntheticStore(objects, servers: 5, seed: 1);
        var pass = new ReplicationPass(
            store.Adapter(),
            new BlobCluster(Options.Create(new BlobClusterOptions { BlobServers = [.. store.Servers.Select(server => server.BaseAddress.ToString())], MinCopies = 2 })),
            new ReplicationSettings(DryRun: true, Parallelism: 4),
            TimeProvider.System,
            NullLogger<ReplicationPass>.Instance);

        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        using var sampling = new CancellationTokenSource();
        long peak = baseline;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(5);
            }
        });
        var clock = Stopwatch.StartNew();
        var report = await pass.RunAsync(CancellationToken.None);
        clock.Stop();
        await sampling.CancelAsync();
        await sampler;

        output.WriteLine($"{report.Objects} objects on {report.Servers} servers ({report.UnderReplicatedBefore} below 2 copies, {report.Misplaced} misplaced): "
            + $"dry run {clock.Elapsed.TotalSeconds:0.00} s; managed heap above baseline at its peak {(peak - baseline) / 1048576.0:0.0} MiB "
            + $"(sampled, garbage included); allocated in all {(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1048576.0:0} MiB; "
            + $"process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MiB");

        // For comparison: the census as one dictionary entry per object, as the first replicator kept it.
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var census = new Dictionary<ObjectId, ulong>();
        for (var k = 0; k < objects; k++)
        {
            census[store.Id(k)] = store.HoldersOf(k);
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"Dictionary<ObjectId, ulong> of {census.Count} objects: {(after - before) / 1048576.0:0.0} MiB ({(after - before) / (double)census.Count:0.0} bytes per object)");
        Assert.Equal(objects, report.Objects);
    }

    private sealed class MeasurementFactAttribute : FactAttribute
    {
        public MeasurementFactAttribute()
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SOS_MEASURE_IDS")))
            {
                Skip = "A measurement: set SOS_MEASURE_IDS (e.g. 1000000) to run it.";
            }
        }
    }
}
