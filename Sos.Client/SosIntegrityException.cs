namespace Sos.Client;

/// <summary>
/// What arrived is not what was asked for: a whole download whose SHA-1 is not its id, fewer
/// bytes than announced, or a range other than the one requested. Nothing of it should be trusted.
/// </summary>
public sealed class SosIntegrityException : SosException
{
    public SosIntegrityException()
    {
    }

    public SosIntegrityException(string message)
        : base(message)
    {
    }

    public SosIntegrityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
