using System.Net;

namespace Sos.Client;

/// <summary>Sos could not be reached or could not serve the request now (connection failures, timeouts, 5xx): trying again later may succeed.</summary>
public sealed class SosUnavailableException : SosException
{
    public SosUnavailableException(string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, statusCode, innerException)
    {
    }

    public SosUnavailableException()
    {
    }

    public SosUnavailableException(string message)
        : base(message)
    {
    }

    public SosUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
