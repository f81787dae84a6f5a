using System.Diagnostics;

namespace Sos.BlobServer;

internal static class BlobServerTelemetry
{
    public const string Name = "Sos.BlobServer";

    public static readonly ActivitySource Source = new(Name);
}
