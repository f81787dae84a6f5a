using System.Net;

namespace Sos.Tests.InProcess;

/// <summary>Its own cluster: it stops blob servers.</summary>
public sealed class DeleteBelowQuorumTests(InProcessSos sos) : IClassFixture<InProcessSos>
{
    [Fact]
    public async Task ADeleteThatTooFewServersCanRecordAnswers503()
    {
        var bytes = TestBytes.Fresh(100_000);
        var stored = await sos.UploadAsync(bytes);
        var holders = sos.ServersHolding(stored.Id);
        var survivor = holders[0];
        foreach (var index in Enumerable.Range(0, InProcessSos.BlobServerCount).Where(index => index != survivor))
        {
            await sos.StopBlobServerAsync(index);
        }

        using var deleted = await sos.Upload.DeleteAsync($"/upload/{stored.Id}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, deleted.StatusCode);
        Assert.Equal("application/problem+json", deleted.Content.Headers.ContentType?.MediaType);
    }
}
