using System.CommandLine;
using Sos.Bench;

// The naive durable-write rate: the ceiling for writes that are each made durable on their own.
var directory = new Option<DirectoryInfo>("--dir") { Description = "Where to write (the same file system as the blob servers).", Required = true };
var threads = new Option<int>("--threads") { Description = "Writers running at once.", DefaultValueFactory = _ => 16 };
var seconds = new Option<double>("--seconds") { Description = "How long to write.", DefaultValueFactory = _ => 5 };
var size = new Option<int>("--size") { Description = "Bytes per write.", DefaultValueFactory = _ => 4096 };

var command = new RootCommand(
    "Measures the naive durable-write rate: each writer repeatedly writes a file to a temp name, fsyncs it, " +
    "renames it into place and fsyncs the directory. Prints writes per second.")
{
    directory, threads, seconds, size,
};
command.SetAction(async (result, cancellationToken) =>
{
    var rate = await NaiveDurableWrites.MeasureAsync(
        result.GetRequiredValue(directory).FullName, result.GetValue(threads), TimeSpan.FromSeconds(result.GetValue(seconds)), result.GetValue(size), cancellationToken);
    Console.WriteLine($"{rate:F0}");
});
return await command.Parse(args).InvokeAsync();
