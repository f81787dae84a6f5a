using System.Net;
using System.Net.Http.Json;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.Tests.EndToEnd;

/// <summary>A copy that no longer matches its id is never served as good, and ends in quarantine.</summary>
[Collection(SosAppDefinition.Name)]
[Trait("Category", "WholeSystem")]
public sealed class CorruptCopyTests(SosAppFixture sos)
{
    [Fact]
    public async Task ASmallObjectWhosePreferredCopyRottedIsServedFromTheOtherCopyAndTheBadOneIsQuarantined()
    {
        var bytes = SosAppFixture.RandomBytes(50_000);
        var (id, preferred) = await UploadAndRotPreferredCopyAsync(bytes);

        using var fetched = await sos.Download.GetAsync($"/fetch/{id}");

        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
        Assert.True(DiskCopies.Find(sos.BlobRoot(preferred), id) is null, "the bad copy is still in service");
        Assert.Single(QuarantinedCopies(preferred, id));
    }

    [Fact]
    public async Task ALargeObjectWhosePreferredCopyRottedIsCutShortNeverCompletedAndTheNextFetchIsGood()
    {
        var bytes = SosAppFixture.RandomBytes(3 * 1024 * 1024);
        var (id, preferred) = await UploadAndRotPreferredCopyAsync(bytes);

        // Either the fetch fails mid-body, or (had it reached another copy first) it is right; never 200 with wrong bytes.
        try
        {
            using var first = await sos.Download.GetAsync($"/fetch/{id}");
            var received = await first.Content.ReadAsByteArrayAsync();
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(bytes, received);
        }
        catch (HttpRequestException)
        {
        }
        catch (IOException)
        {
        }

        Assert.Single(QuarantinedCopies(preferred, id));
        using var second = await sos.Download.GetAsync($"/fetch/{id}");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(bytes, await second.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ABlobServerNeverCompletesAWholeReadOfABadCopy()
    {
        // Larger than one write, so the headers and the first bytes are out before the check fails.
        var bytes = SosAppFixture.RandomBytes(600_000);
        var (id, preferred) = await UploadAndRotPreferredCopyAsync(bytes);

        // A bare client: no retry that would hide the first answer behind a second one.
        using var direct = new HttpClient { BaseAddress = sos.BlobServerUrl(preferred) };
        direct.DefaultRequestHeaders.Authorization = new("Bearer", sos.InternalToken);
        var scrubbedFirst = false;
        var read = async () =>
        {
            using var response = await direct.GetAsync($"/blob/{id}", HttpCompletionOption.ResponseHeadersRead);
            // The blob server's background scrub may have taken the copy out of service already.
            scrubbedFirst = response.StatusCode == HttpStatusCode.NotFound;
            if (!scrubbedFirst)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await response.Content.ReadAsByteArrayAsync();
            }
        };

        // The headers went out before the bytes were checked; the body is cut short before its end.
        var failure = await Record.ExceptionAsync(read);
        Assert.True(failure is HttpRequestException or IOException || (failure is null && scrubbedFirst),
            $"expected the body to be cut short, got {failure?.GetType().Name ?? "all of it"}");
        Assert.Single(QuarantinedCopies(preferred, id));
        using var after = await sos.BlobServer(preferred).GetAsync($"/blob/{id}");
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    /// <summary>Uploads, then flips bytes in the copy the download API asks first, keeping its length.</summary>
    private async Task<(string Id, int Preferred)> UploadAndRotPreferredCopyAsync(byte[] bytes)
    {
        using var response = await sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<StoredObject>())!.Id;
        // Placement inside the app hashes the service-discovery names blob0, blob1, ...
        var servers = Enumerable.Range(0, SosAppFixture.BlobServerCount).Select(i => Sos.Core.Placement.BlobServer.Parse($"http://blob{i}"));
        var preferred = int.Parse(Rendezvous.Rank(servers, ObjectId.Parse(id))[0].Name["blob".Length..], System.Globalization.CultureInfo.InvariantCulture);
        // Through the fixture, which has the servers adopt what their inboxes hold before it reads their disks.
        Assert.True(sos.ServersHolding(id).Contains(preferred), $"the preferred server blob{preferred} holds no copy");
        DiskCopies.Corrupt(sos.BlobRoot(preferred), id, bytes.Length / 2);
        return (id, preferred);
    }

    private string[] QuarantinedCopies(int server, string id) => DiskCopies.Quarantined(sos.BlobRoot(server), id);
}
