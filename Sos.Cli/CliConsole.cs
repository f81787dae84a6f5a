namespace Sos.Cli;

/// <summary>Where the command writes: text to <see cref="Out"/> and <see cref="Error"/>, an object's bytes (<c>sos cat</c>) to <see cref="OpenStandardOutput"/>.</summary>
/// <param name="Out">Results: ids, file names, stat lines.</param>
/// <param name="Error">Errors, notes, and the progress line.</param>
/// <param name="OpenStandardOutput">The raw standard output, for bytes.</param>
/// <param name="ShowProgress">Whether a progress line makes sense (the error stream is a terminal).</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error, Func<Stream> OpenStandardOutput, bool ShowProgress)
{
    public static CliConsole System { get; } = new(Console.Out, Console.Error, Console.OpenStandardOutput, !Console.IsErrorRedirected);
}
