using System.CommandLine;
using Sos.Replicator;

// The command line is the job's whole interface (see ReplicatorCommand); the host with its
// configuration, telemetry and blob-server client is built only once the command line is valid.
var command = new ReplicatorCommand();
var parseResult = command.Parse(args);
var exitCode = await parseResult.InvokeAsync(new InvocationConfiguration
{
    // Ctrl+C or SIGTERM cancels the running pass; this is how long it gets to stop its copies and
    // flush its telemetry before the process is ended anyway.
    ProcessTerminationTimeout = TimeSpan.FromSeconds(10),
});

// System.CommandLine answers a usage error with 1, which here means "below the minimum copies".
return parseResult.Errors.Count > 0 ? ExitCodes.UsageError : exitCode;
