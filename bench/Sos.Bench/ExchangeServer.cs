namespace Sos.Bench;

/// <summary>
/// The least an HTTP exchange can cost a server on this machine: ASP.NET Core with nothing of
/// Sos in it, one endpoint that reads a body and answers a short JSON, the same runtime settings
/// as the services. Prints the address it listens on, then serves until it is stopped.
/// </summary>
internal static class ExchangeServer
{
    public const string Route = "/exchange";

    public static async Task RunAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost(Route, async (HttpRequest request, CancellationToken aborted) =>
        {
            // Read through a pooled buffer: a floor that allocated one per request would not be the least.
            await request.Body.CopyToAsync(Stream.Null, aborted);
            return Results.Ok(new { status = "OK" });
        });
        await app.StartAsync(cancellationToken);
        Console.WriteLine(app.Urls.First());
        await app.WaitForShutdownAsync(cancellationToken);
    }
}
