using System.Diagnostics;

namespace Sos.DownloadApi;

internal static class DownloadApiTelemetry
{
    public const string Name = "Sos.DownloadApi";

    public static readonly ActivitySource Source = new(Name);
}
