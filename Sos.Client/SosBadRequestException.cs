using System.Net;

namespace Sos.Client;

/// <summary>Sos refused the request as it was made (400, 413, 416 and other client errors); the message is the server's.</summary>
public sealed class SosBadRequestException : SosException
{
    public SosBadRequestException(string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, statusCode, innerException)
    {
    }

    public SosBadRequestException()
    {
    }

    public SosBadRequestException(string message)
        : base(message)
    {
    }

    public SosBadRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
