using System.Diagnostics.Metrics;

namespace Sos.Core.Cluster;

/// <summary>The cluster layer's meter: every request to a blob server and every failure, by operation.</summary>
public static class ClusterTelemetry
{
    public const string Name = "Sos.Cluster";

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "sos.cluster.requests", "{request}", "Requests sent to blob servers, by operation (sos.cluster.operation).");

    public static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "sos.cluster.failures", "{request}", "Requests to blob servers that failed (down, error answer, bad or short body, timeout), by operation.");
}
