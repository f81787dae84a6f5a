using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Sos.Tests.Telemetry;
using Xunit.Abstractions;

namespace Sos.Tests.EndToEnd;

/// <summary>
/// One upload is one trace, as the services really export it over OTLP: the upload API's
/// <c>sos.upload</c> span and the blob servers' spans for each copy share a trace id and form one tree.
/// </summary>
[Collection(SosAppDefinition.Name)]
[Trait("Category", "WholeSystem")]
public sealed class UploadTraceTests(SosAppFixture sos, ITestOutputHelper output)
{
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task OneUploadIsOneTraceThroughTheUploadApiAndEveryBlobServerThatStoredACopy()
    {
        var bytes = SosAppFixture.RandomBytes(64 * 1024);
        var id = SosAppFixture.Sha1Hex(bytes);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SosAppFixture.ApiKey);
        using var response = await sos.Upload.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var holders = sos.ServersHolding(id).Select(i => $"blob{i}").ToArray();

        // The upload span ends last, so it may arrive after the blob servers' spans, or before.
        var spans = await sos.Telemetry.WaitForAsync(
            received => UploadSpan(received, id) is { } upload
                && holders.All(holder => received.Any(span => span.TraceId == upload.TraceId && span.Service == holder && span.Name == "sos.blob.store")),
            ExportTimeout);

        var upload = UploadSpan(spans, id);
        Assert.True(upload is not null, $"no sos.upload span for {id} among {spans.Count} spans from {string.Join(", ", spans.Select(s => s.Service).Distinct())}");
        var trace = spans.Where(span => span.TraceId == upload.TraceId).ToList();
        foreach (var span in trace)
        {
            output.WriteLine($"{span.Service,-8} {span.Name,-28} {span.SpanId} <- {span.ParentSpanId}");
        }
        Assert.Equal(holders.Length.ToString(CultureInfo.InvariantCulture), upload.Attributes["sos.replicas.written"]);
        Assert.Equal(bytes.Length.ToString(CultureInfo.InvariantCulture), upload.Attributes["sos.object.size"]);
        var stores = trace.Where(span => span.Name == "sos.blob.store" && span.Attributes.GetValueOrDefault("sos.object.id") == id).ToList();
        var blobServersInTrace = stores.Select(span => span.Service).Distinct().Order().ToArray();
        Assert.True(blobServersInTrace.Length >= 2, $"spans from {blobServersInTrace.Length} blob servers under the upload's trace");
        Assert.Equal(holders.Order(), blobServersInTrace.Intersect(holders).Order());
        // One tree, not just a shared id: each store span leads up, through the blob server's request
        // span (or, for a copy that came in a batch of copies, the span of its part of the batch),
        // to the upload span.
        var byId = trace.ToDictionary(span => span.SpanId);
        foreach (var store in stores)
        {
            var ancestors = Ancestors(store, byId).ToList();
            Assert.Contains(ancestors, span => span.Service == store.Service && (span.Name.StartsWith("POST", StringComparison.Ordinal) || span.Name is "sos.blob.batch.copy" or "sos.blob.inbox.copy"));
            Assert.Contains(ancestors, span => span.SpanId == upload.SpanId);
        }
    }

    private static ExportedSpan? UploadSpan(IEnumerable<ExportedSpan> spans, string id) =>
        spans.FirstOrDefault(span => span.Service == "upload" && span.Name == "sos.upload" && span.Attributes.GetValueOrDefault("sos.object.id") == id);

    private static IEnumerable<ExportedSpan> Ancestors(ExportedSpan span, Dictionary<string, ExportedSpan> byId)
    {
        var current = span;
        while (byId.TryGetValue(current.ParentSpanId, out var parent))
        {
            yield return parent;
            current = parent;
        }
    }
}
