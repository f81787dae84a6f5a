namespace Sos.Tests.Telemetry;

/// <summary>
/// One counter (an OTLP <c>Sum</c>) in one export of a service, over all its data points. With
/// <c>IsDelta</c> the value counts only what came since the previous export; otherwise it is the
/// total since the service started.
/// </summary>
public sealed record ExportedSum(string Service, string Name, double Value, bool IsDelta);
