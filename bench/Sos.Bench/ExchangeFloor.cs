using System.Diagnostics;

namespace Sos.Bench;

/// <summary>
/// What one HTTP exchange costs in CPU on this machine, client and server each: an
/// <see cref="HttpClient"/> posting bodies to an <see cref="ExchangeServer"/> in a process of its
/// own, the pair Sos's services are made of. A floor for what a service's request can cost: any
/// upload is at least one exchange in and a few out.
/// </summary>
internal static class ExchangeFloor
{
    /// <summary>Exchanges per second, and CPU microseconds per exchange spent by the client and by the server.</summary>
    public static async Task<(double Rate, double ClientMicroseconds, double ServerMicroseconds)> MeasureAsync(
        int concurrency, TimeSpan duration, int size, TimeSpan gap, CancellationToken cancellationToken)
    {
        using var server = StartServer();
        try
        {
            var address = await server.StandardOutput.ReadLineAsync(cancellationToken)
                ?? throw new InvalidOperationException("The exchange server ended before it listened.");
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            var uri = new Uri(new Uri(address), ExchangeServer.Route);
            var body = new byte[size];
            Random.Shared.NextBytes(body);

            // Unmeasured first: both sides compile their hot code again, optimised, under load.
            await RunAsync(http, uri, body, concurrency, TimeSpan.FromSeconds(2), gap, cancellationToken);

            using var client = Process.GetCurrentProcess();
            var (clientBefore, serverBefore) = (CpuOf(client), CpuOf(server));
            var stopwatch = Stopwatch.StartNew();
            var exchanges = await RunAsync(http, uri, body, concurrency, duration, gap, cancellationToken);
            var elapsed = stopwatch.Elapsed;
            var (clientCpu, serverCpu) = (CpuOf(client) - clientBefore, CpuOf(server) - serverBefore);
            return (exchanges / elapsed.TotalSeconds, clientCpu.TotalMicroseconds / exchanges, serverCpu.TotalMicroseconds / exchanges);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static Process StartServer()
    {
        // This same program, as the server: `dotnet Sos.Bench.dll exchange-server` or `Sos.Bench exchange-server`.
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ExchangeFloor).Assembly.Location);
        }
        start.ArgumentList.Add(Program.ExchangeServerCommand);
        return Process.Start(start) ?? throw new InvalidOperationException("The exchange server did not start.");
    }

    private static TimeSpan CpuOf(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    private static async Task<long> RunAsync(HttpClient http, Uri uri, byte[] body, int concurrency, TimeSpan duration, TimeSpan gap, CancellationToken cancellationToken)
    {
        long exchanges = 0;
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                using var content = new ByteArrayContent(body);
                using var response = await http.PostAsync(uri, content, cancellationToken);
                response.EnsureSuccessStatusCode();
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                Interlocked.Increment(ref exchanges);
                if (gap > TimeSpan.Zero)
                {
                    await Task.Delay(gap, cancellationToken);
                }
            }
        }));
        return exchanges;
    }
}
