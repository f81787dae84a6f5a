using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Sos.BlobServer.Storage;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Placement;
using Sos.Core.Storage;
using Sos.DownloadApi.Fetch;
using Sos.UploadApi.Uploads;

namespace Sos.Tests.InProcess;

/// <summary>
/// A whole Sos in this process, in about a second: three blob servers, the upload API and the
/// download API, each its real program on Kestrel at a loopback port, with data and spool in a
/// temp directory. They are wired only through configuration, as the AppHost wires them
/// (<c>Sos:BlobServers:N=blobN=http://127.0.0.1:PORT</c>, <c>Sos:InternalToken</c>, ...), so
/// placement ranks the same names as under the AppHost. For HTTP rules; what needs real
/// processes (kills, the replicator, traces) stays with the AppHost tests.
/// </summary>
public class InProcessSos : IAsyncLifetime
{
    public const int BlobServerCount = 3;
    public const int MinCopies = 2;
    public const long MaxObjectBytes = 32L * 1024 * 1024;

    private readonly string? _apiKey;
    private readonly long? _cacheMaxBytes;
    private readonly List<IAsyncDisposable> _services = [];
    private readonly ServiceFactory<BlobStoreOptions>?[] _blobServers = new ServiceFactory<BlobStoreOptions>?[BlobServerCount];

    /// <summary>The shared cluster: no API key, the download cache on, a 32 MiB maximum object.</summary>
    public InProcessSos()
        : this(apiKey: null, cacheMaxBytes: null)
    {
    }

    protected InProcessSos(string? apiKey, long? cacheMaxBytes)
    {
        _apiKey = apiKey;
        _cacheMaxBytes = cacheMaxBytes;
    }

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("sos-inprocess-").FullName;

    /// <summary>Where the upload API spools bodies while it hashes them.</summary>
    public string SpoolDirectory => Path.Combine(DataDirectory, "spool");

    public string InternalToken { get; } = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    public string ReplicatorToken { get; } = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    /// <summary>The upload API's token, as under the AppHost: it also records deletes.</summary>
    public string DeleteToken { get; } = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    public Uri UploadAddress { get; private set; } = null!;

    public Uri DownloadAddress { get; private set; } = null!;

    public HttpClient Upload { get; private set; } = null!;

    public HttpClient Download { get; private set; } = null!;

    public Uri[] BlobServerAddresses { get; } = new Uri[BlobServerCount];

    public async Task InitializeAsync()
    {
        // Started side by side: most of a start is waiting, not computing.
        await Task.WhenAll(Enumerable.Range(0, BlobServerCount).Select(i => Task.Run(() => StartBlobServer(i))));
        var cluster = ClusterSettings();
        var upload = Start<UploadOptions>(new Dictionary<string, string?>(cluster)
        {
            ["Sos:InternalToken"] = DeleteToken,
            ["Sos:ApiKey"] = _apiKey,
            ["Upload:MaxObjectBytes"] = MaxObjectBytes.ToString(CultureInfo.InvariantCulture),
            ["Upload:SpoolDirectory"] = SpoolDirectory,
        });
        var download = Start<ObjectCacheOptions>(new Dictionary<string, string?>(cluster)
        {
            ["Download:Cache:MaxBytes"] = _cacheMaxBytes?.ToString(CultureInfo.InvariantCulture),
        });
        (UploadAddress, DownloadAddress) = (await upload, await download);
        Upload = new HttpClient { BaseAddress = UploadAddress };
        Download = new HttpClient { BaseAddress = DownloadAddress };
    }

    public async Task DisposeAsync()
    {
        Upload?.Dispose();
        Download?.Dispose();
        // The APIs first, then the blob servers they talk to.
        for (var i = _services.Count - 1; i >= 0; i--)
        {
            await _services[i].DisposeAsync();
        }
        Directory.Delete(DataDirectory, recursive: true);
    }

    /// <summary>
    /// Starts one more download API over the same blob servers, with its cache limited to
    /// <paramref name="cacheMaxBytes"/> (0: off) and entries rechecked after <paramref name="recheckAfter"/>
    /// (null: the default), and returns a client of it. It stops with the cluster. With
    /// <paramref name="readVolumes"/>, it is told each server's data directory, as the AppHost
    /// tells it when it runs the cluster on one machine.
    /// </summary>
    public async Task<HttpClient> StartDownloadApiAsync(long cacheMaxBytes, TimeSpan? recheckAfter = null, bool readVolumes = false)
    {
        var settings = new Dictionary<string, string?>(ClusterSettings())
        {
            ["Download:Cache:MaxBytes"] = cacheMaxBytes.ToString(CultureInfo.InvariantCulture),
            ["Download:Cache:RecheckAfter"] = recheckAfter?.ToString("c", CultureInfo.InvariantCulture),
        };
        for (var i = 0; readVolumes && i < BlobServerCount; i++)
        {
            settings[$"Sos:Volumes:blob{i}"] = BlobRoot(i);
        }
        var address = await Start<ObjectCacheOptions>(settings);
        return new HttpClient { BaseAddress = address };
    }

    /// <summary>
    /// Starts one more upload API over the same blob servers, told each server's data directory as
    /// the AppHost tells it when it runs the cluster on one machine (so it writes small copies to
    /// the servers' inboxes), and returns a client of it. It stops with the cluster.
    /// </summary>
    public async Task<HttpClient> StartUploadApiWithVolumesAsync()
    {
        var settings = new Dictionary<string, string?>(ClusterSettings())
        {
            ["Sos:InternalToken"] = DeleteToken,
            ["Upload:MaxObjectBytes"] = MaxObjectBytes.ToString(CultureInfo.InvariantCulture),
            ["Upload:SpoolDirectory"] = SpoolDirectory,
        };
        for (var i = 0; i < BlobServerCount; i++)
        {
            settings[$"Sos:Volumes:blob{i}"] = BlobRoot(i);
        }
        var address = await Start<UploadOptions>(settings);
        return new HttpClient { BaseAddress = address };
    }

    /// <summary>Stops blob server <paramref name="index"/>: its port then refuses connections, as a crashed server's does.</summary>
    public async Task StopBlobServerAsync(int index)
    {
        if (_blobServers[index] is { } server)
        {
            _blobServers[index] = null;
            _services.Remove(server);
            await server.DisposeAsync();
        }
    }

    /// <summary>A client of blob server <paramref name="index"/> that presents the internal token, as the services do.</summary>
    public HttpClient BlobServer(int index)
    {
        var client = new HttpClient { BaseAddress = BlobServerAddresses[index] };
        client.DefaultRequestHeaders.Authorization = new("Bearer", InternalToken);
        return client;
    }

    /// <summary>Where blob server <paramref name="index"/> keeps the bytes of <paramref name="id"/>.</summary>
    public string CopyPath(int index, string id) => Path.Combine(DataDirectory, $"blob{index}", ShardLayout.RelativePath(id));

    /// <summary>The blob servers that hold a copy of <paramref name="id"/> on disk.</summary>
    public int[] ServersHolding(string id) => [.. Enumerable.Range(0, BlobServerCount).Where(i => DiskCopies.Find(BlobRoot(i), id) is not null)];

    /// <summary>The bytes of blob server <paramref name="index"/>'s copy of <paramref name="id"/> as they are on its disk (a file, or a log record).</summary>
    public byte[] CopyOnDisk(int index, string id) =>
        DiskCopies.Read(BlobRoot(index), id) ?? throw new InvalidOperationException($"blob{index} holds no copy of {id}");

    /// <summary>The blob servers' indexes in <paramref name="id"/>'s rendezvous order, as the APIs rank them (by the names blobN).</summary>
    public int[] Ranked(ObjectId id) =>
        [.. Rendezvous.Rank(Enumerable.Range(0, BlobServerCount).Select(i => new Core.Placement.BlobServer($"blob{i}", BlobServerAddresses[i])), id)
            .Select(server => int.Parse(server.Name["blob".Length..], CultureInfo.InvariantCulture))];

    /// <summary>The data directory of blob server <paramref name="index"/>.</summary>
    public string BlobRoot(int index) => Path.Combine(DataDirectory, $"blob{index}");

    /// <summary>Temp files the blob servers hold: writes still staged or left half-written.</summary>
    public string[] StagedFiles() =>
        [.. Enumerable.Range(0, BlobServerCount)
            .Select(i => Path.Combine(DataDirectory, $"blob{i}", ".tmp"))
            .Where(Directory.Exists)
            .SelectMany(Directory.GetFiles)];

    /// <summary>Uploads <paramref name="bytes"/> with the given headers (sent as they are) and expects 200.</summary>
    public async Task<StoredObject> UploadAsync(byte[] bytes, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await Upload.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<StoredObject>())!;
    }

    /// <summary>What the upload and download APIs are told of the cluster, as the AppHost tells them.</summary>
    private Dictionary<string, string?> ClusterSettings()
    {
        var cluster = new Dictionary<string, string?>
        {
            ["Sos:InternalToken"] = InternalToken,
            ["Sos:MinCopies"] = MinCopies.ToString(CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < BlobServerCount; i++)
        {
            // name=url: placement hashes blobN, exactly as inside the AppHost.
            cluster[$"Sos:BlobServers:{i}"] = $"blob{i}={BlobServerAddresses[i]}";
        }
        return cluster;
    }

    private void StartBlobServer(int index)
    {
        var server = new ServiceFactory<BlobStoreOptions>(new Dictionary<string, string?>
        {
            ["BlobStore:Root"] = Path.Combine(DataDirectory, $"blob{index}"),
            ["BlobStore:MaxObjectBytes"] = MaxObjectBytes.ToString(CultureInfo.InvariantCulture),
            // The tests' disk may be nearly full; that is not what they test.
            ["BlobStore:MinFreeBytes"] = "0",
            // No background scrub: these tests read copies themselves.
            ["BlobStore:ScrubBytesPerSecond"] = "0",
            ["Sos:InternalToken"] = InternalToken,
            ["Sos:ReplicatorToken"] = ReplicatorToken,
            ["Sos:DeleteToken"] = DeleteToken,
        });
        lock (_services)
        {
            _services.Add(server);
        }
        BlobServerAddresses[index] = server.Start();
        _blobServers[index] = server;
    }

    private Task<Uri> Start<TEntryPoint>(Dictionary<string, string?> settings)
        where TEntryPoint : class
    {
        var service = new ServiceFactory<TEntryPoint>(settings);
        lock (_services)
        {
            _services.Add(service);
        }
        return Task.Run(service.Start);
    }
}
