using Sos.Cli;

namespace Sos.Tests.Cli;

/// <summary>One run of the <c>sos</c> command, in-process: its exit code, what it printed, and the bytes it wrote to standard output.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error, byte[] Bytes)
{
    public static async Task<CliRun> RunAsync(Dictionary<string, string> environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var bytes = new MemoryStream();
        var console = new CliConsole(output, error, () => new KeepOpenStream(bytes), ShowProgress: false);
        var exitCode = await SosCli.RunAsync(args, console, name => environment.GetValueOrDefault(name));
        return new CliRun(exitCode, output.ToString(), error.ToString(), bytes.ToArray());
    }
}
