using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sos.Core.Objects;
using Sos.Core.Storage;
using Sos.Tests.Fakes;

namespace Sos.Tests.Download;

/// <summary>Readers that stall mid-download must not make the download API hold memory per object.</summary>
[Collection(MeasuresProcessMemory.Name)]
public sealed class SlowReaderTests
{
    private const int Readers = 200;

    [Fact]
    public async Task TwoHundredStalledReadersOfAnUncachedObjectKeepMemoryBounded()
    {
        await using var blob = await OriginalBlobServer.StartAsync();
        // Answered with a Content-Length, as a Sos blob server does: the size at which a download
        // was read whole into a buffer of its size before the first byte went out.
        blob.SendLength = true;
        var bytes = TestBytes.Random(1024 * 1024, 20);
        blob.Hold(bytes);
        await using var download = await DownloadApiHost.StartAsync([blob.Address], new Dictionary<string, string?> { ["Download:Cache:MaxBytes"] = "0" }, SmallSendBuffers);

        await AssertStalledReadersHoldLittleAsync(download.Address, bytes);
    }

    [Fact]
    public async Task TwoHundredStalledReadersOfACopyReadFromItsServersDirectoryKeepMemoryBounded()
    {
        var root = Directory.CreateTempSubdirectory("sos-slow-readers-").FullName;
        try
        {
            // A blob server's copy as it leaves it on its disk: the bytes, and the .meta with their chunk sums.
            var bytes = TestBytes.Random(1024 * 1024, 21);
            var path = StoreLayout.DataPath(root, TestBytes.IdOf(bytes));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, bytes);
            var sums = new ChunkSums.Builder();
            sums.Append(bytes);
            MetadataFile.Write(path + StoreLayout.MetadataSuffix, ObjectMetadata.CreateEmpty(), sums.Build(), flush: false);
            // The server itself is not running: every read comes from its directory.
            await using var download = await DownloadApiHost.StartAsync([], new Dictionary<string, string?>
            {
                ["Download:Cache:MaxBytes"] = "0",
                ["Sos:BlobServers:0"] = "blob0=http://127.0.0.1:9/",
                ["Sos:Volumes:blob0"] = root,
            }, SmallSendBuffers);

            await AssertStalledReadersHoldLittleAsync(download.Address, bytes);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task ConnectionsAreBoundedByTheDownloadSetting()
    {
        await using var download = await DownloadApiHost.StartAsync([new Uri("http://127.0.0.1:9/")], new Dictionary<string, string?> { ["Download:MaxConcurrentConnections"] = "17" });

        var kestrel = download.App.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;

        Assert.Equal(17, kestrel.Limits.MaxConcurrentConnections);
    }

    /// <summary>
    /// Small kernel send buffers (accepted sockets inherit them from the listener), as a busy
    /// machine's would be: otherwise loopback takes in a whole MiB, the response completes at once,
    /// and nothing is held however the download is written.
    /// </summary>
    private static void SmallSendBuffers(WebApplicationBuilder builder) =>
        builder.WebHost.UseSockets(sockets => sockets.CreateBoundListenSocket = endpoint =>
        {
            var listener = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
            listener.SendBufferSize = 4096;
            return listener;
        });

    /// <summary>Fetches the object once whole, then has 200 readers stall on it, and measures what the download API holds for them.</summary>
    private static async Task AssertStalledReadersHoldLittleAsync(Uri address, byte[] bytes)
    {
        var path = $"/fetch/{TestBytes.IdOf(bytes)}";
        using (var http = new HttpClient { BaseAddress = address })
        {
            Assert.Equal(bytes, await http.GetByteArrayAsync(path));
        }
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < Readers; i++)
            {
                sockets.Add(await StallAsync(address, path));
            }
            // Let every response fill what it may before its reader's window closes.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var during = GC.GetTotalMemory(forceFullCollection: true);

            // 200 objects of 1 MiB held would be 200 MiB; each stalled response may hold its copy
            // buffer and the socket buffers of both hops, about a quarter of a MiB at most.
            var perReader = (during - before) / Readers;
            Assert.True(perReader < 256 * 1024, $"{perReader} bytes held per stalled reader ({(during - before) / (1024 * 1024)} MiB in all)");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>A reader that asks for the object, reads a little, and then stops reading.</summary>
    private static async Task<Socket> StallAsync(Uri address, string path)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(address.Host, address.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {address.Authority}\r\n\r\n"));
        var some = new byte[1024];
        _ = await socket.ReceiveAsync(some);
        return socket;
    }
}
