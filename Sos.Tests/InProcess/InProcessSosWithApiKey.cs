namespace Sos.Tests.InProcess;

/// <summary>An in-process cluster whose upload API requires a key (<c>Sos:ApiKey</c>, the AppHost's <c>upload-api-key</c>).</summary>
public sealed class InProcessSosWithApiKey : InProcessSos
{
    public const string ApiKey = "test-upload-key-7d0c9a";

    public InProcessSosWithApiKey()
        : base(apiKey: ApiKey, cacheMaxBytes: null)
    {
    }
}
