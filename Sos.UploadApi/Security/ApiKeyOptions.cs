namespace Sos.UploadApi.Security;

/// <summary>
/// The upload API key (<c>Sos:ApiKey</c>, the AppHost's secret parameter <c>upload-api-key</c>).
/// Empty keeps uploads open, as the original sos was; published deployments always set it.
/// </summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "Sos";

    public string? ApiKey { get; set; }

    public bool IsRequired => !string.IsNullOrEmpty(ApiKey);
}
