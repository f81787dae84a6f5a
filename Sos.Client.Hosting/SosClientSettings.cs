using System.Data.Common;

namespace Sos.Client;

/// <summary>
/// Settings of the Sos client integration, read from the <c>Aspire:Sos:Client</c> configuration
/// section, then from the connection string (which wins), then from the delegate given to
/// <c>AddSosClient</c>.
/// </summary>
/// <remarks>
/// The connection string is a list of <c>key=value</c> pairs separated by <c>;</c>:
/// <c>Upload=http://localhost:9991;Download=http://localhost:9992;Key=secret</c>. <c>Upload</c> and
/// <c>Download</c> are the two APIs' base addresses; <c>Key</c> (optional) is the upload API key.
/// Keys are case-insensitive; a value holding <c>;</c> is quoted.
/// </remarks>
public sealed class SosClientSettings
{
    /// <summary>The upload API's base address.</summary>
    public Uri? UploadEndpoint { get; set; }

    /// <summary>The download API's base address.</summary>
    public Uri? DownloadEndpoint { get; set; }

    /// <summary>The upload API key; null when uploads are open.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Turns off the health check (the download API's <c>/health</c> answers). On by default.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>Turns off the client's spans (<c>Sos.Client</c> source) in OpenTelemetry tracing. On by default.</summary>
    public bool DisableTracing { get; set; }

    /// <summary>How long the health check waits for the download API; null uses the health check service's default.</summary>
    public TimeSpan? HealthCheckTimeout { get; set; }

    /// <summary>Reads the connection string's <c>Upload</c>, <c>Download</c> and <c>Key</c>; other keys are refused.</summary>
    internal void ParseConnectionString(string connectionString)
    {
        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        foreach (string key in parts.Keys)
        {
            var value = parts[key]?.ToString();
            switch (key.ToUpperInvariant())
            {
                case "UPLOAD":
                    UploadEndpoint = ParseEndpoint(key, value);
                    break;
                case "DOWNLOAD":
                    DownloadEndpoint = ParseEndpoint(key, value);
                    break;
                case "KEY":
                    ApiKey = string.IsNullOrEmpty(value) ? null : value;
                    break;
                default:
                    throw new InvalidOperationException($"The Sos connection string has an unknown key '{key}'; it takes Upload, Download and Key.");
            }
        }
    }

    internal SosClientOptions ToClientOptions(string connectionName)
    {
        if (UploadEndpoint is null || DownloadEndpoint is null)
        {
            throw new InvalidOperationException(
                $"The Sos client '{connectionName}' needs both endpoints: set ConnectionStrings:{connectionName} to " +
                "'Upload=http://...;Download=http://...[;Key=...]', or UploadEndpoint and DownloadEndpoint in the Aspire:Sos:Client section.");
        }
        var options = new SosClientOptions { UploadEndpoint = UploadEndpoint, DownloadEndpoint = DownloadEndpoint, ApiKey = ApiKey };
        options.Validate();
        return options;
    }

    private static Uri ParseEndpoint(string key, string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new InvalidOperationException($"The Sos connection string's {key} must be an absolute http or https address, not '{value}'.");
}
