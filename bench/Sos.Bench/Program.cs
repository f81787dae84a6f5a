using System.CommandLine;
using Sos.Bench;

// The bench's measurements of the machine itself: the naive durable-write rate (the ceiling for writes
// that are each made durable on their own), and what one HTTP exchange costs in CPU (`exchange`).
var directory = new Option<DirectoryInfo>("--dir") { Description = "Where to write (the same file system as the blob servers).", Required = true };
var threads = new Option<int>("--threads") { Description = "Writers running at once.", DefaultValueFactory = _ => 16 };
var seconds = new Option<double>("--seconds") { Description = "How long to measure.", DefaultValueFactory = _ => 5 };
var size = new Option<int>("--size") { Description = "Bytes per write or per request body.", DefaultValueFactory = _ => 4096 };
var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight at once.", DefaultValueFactory = _ => 16 };
var gap = new Option<double>("--gap-ms") { Description = "Milliseconds each requester waits between its requests.", DefaultValueFactory = _ => 0 };

var exchange = new Command(
    "exchange",
    "Measures what one HTTP exchange costs in CPU: HttpClient posting bodies to a bare ASP.NET Core endpoint in a " +
    "process of its own. Prints exchanges per second, then client and server CPU microseconds per exchange.")
{
    seconds, size, concurrency, gap,
};
exchange.SetAction(async (result, cancellationToken) =>
{
    var (rate, client, server) = await ExchangeFloor.MeasureAsync(
        result.GetValue(concurrency), TimeSpan.FromSeconds(result.GetValue(seconds)), result.GetValue(size),
        TimeSpan.FromMilliseconds(result.GetValue(gap)), cancellationToken);
    Console.WriteLine($"{rate:F0} {client:F0} {server:F0}");
});

var exchangeServer = new Command(Program.ExchangeServerCommand, "The server side of `exchange` (started by it).") { Hidden = true };
exchangeServer.SetAction((_, cancellationToken) => ExchangeServer.RunAsync(cancellationToken));

var command = new RootCommand(
    "Measures the naive durable-write rate: each writer repeatedly writes a file to a temp name, fsyncs it, " +
    "renames it into place and fsyncs the directory. Prints writes per second.")
{
    directory, threads, seconds, size, exchange, exchangeServer,
};
command.SetAction(async (result, cancellationToken) =>
{
    var rate = await NaiveDurableWrites.MeasureAsync(
        result.GetRequiredValue(directory).FullName, result.GetValue(threads), TimeSpan.FromSeconds(result.GetValue(seconds)), result.GetValue(size), cancellationToken);
    Console.WriteLine($"{rate:F0}");
});
return await command.Parse(args).InvokeAsync();

internal static partial class Program
{
    public const string ExchangeServerCommand = "exchange-server";
}
