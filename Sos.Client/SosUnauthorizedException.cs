using System.Net;

namespace Sos.Client;

/// <summary>The upload API needs an API key, or the key presented is wrong (401).</summary>
public sealed class SosUnauthorizedException : SosException
{
    public SosUnauthorizedException(string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, statusCode, innerException)
    {
    }

    public SosUnauthorizedException()
    {
    }

    public SosUnauthorizedException(string message)
        : base(message)
    {
    }

    public SosUnauthorizedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
