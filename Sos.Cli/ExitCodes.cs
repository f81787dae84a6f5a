namespace Sos.Cli;

/// <summary>The command's exit codes: one per kind of failure, so a script can tell them apart.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int Unauthorized = 4;
    public const int Refused = 5;
    public const int Unavailable = 6;
    public const int Corrupt = 7;
    public const int LocalFile = 8;
    public const int Interrupted = 130;

    public const string Help = """
        Exit codes:
          0    success
          1    unexpected failure
          2    usage: bad arguments, an id that is not 40 lowercase hex characters, a bad URL
          3    not found: no object has this id (rm: none ever had it)
          4    unauthorized: the upload API needs an API key (--api-key, SOS_API_KEY) or refused it
          5    refused: Sos refused the request (too large, bad metadata, range past the end)
          6    unavailable: Sos could not be reached, did not answer in time, or could not serve now
               (rm: too few blob servers recorded the delete; run it again)
          7    corrupt: what was downloaded does not hash to its id (a file is not written)
          8    local file: a file could not be read or written
          130  interrupted (Ctrl+C)
        """;
}
