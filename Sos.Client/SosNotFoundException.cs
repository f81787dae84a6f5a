using System.Net;

namespace Sos.Client;

/// <summary>No object has this id (404).</summary>
public sealed class SosNotFoundException : SosException
{
    public SosNotFoundException(string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, statusCode, innerException)
    {
    }

    public SosNotFoundException()
    {
    }

    public SosNotFoundException(string message)
        : base(message)
    {
    }

    public SosNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
