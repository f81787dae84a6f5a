using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sos.Core.Cluster;

/// <summary>The cluster layer's meter (every request to a blob server and every failure, by operation), and its spans for what no HTTP request traces.</summary>
public static class ClusterTelemetry
{
    public const string Name = "Sos.Cluster";

    /// <summary>Spans of work on a blob server's behalf that is not an HTTP request: a copy appended to its inbox.</summary>
    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "sos.cluster.requests", "{request}", "Requests sent to blob servers, by operation (sos.cluster.operation).");

    public static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "sos.cluster.failures", "{request}", "Requests to blob servers that failed (down, error answer, bad or short body, timeout), by operation.");
}
