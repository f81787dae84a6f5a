using System.Diagnostics;

namespace Sos.UploadApi;

internal static class UploadApiTelemetry
{
    public const string Name = "Sos.UploadApi";

    public static readonly ActivitySource Source = new(Name);
}
