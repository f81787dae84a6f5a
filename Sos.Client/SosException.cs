using System.Net;

namespace Sos.Client;

/// <summary>
/// A Sos operation failed. The message is in the user's terms: the server's own explanation
/// (its problem details) where it gave one. The subclasses say what kind of failure it was.
/// </summary>
public class SosException : Exception
{
    public SosException(string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, innerException) => StatusCode = statusCode;

    public SosException()
    {
    }

    public SosException(string message)
        : base(message)
    {
    }

    public SosException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The HTTP status Sos answered with; null when no answer came (connection refused, timeout).</summary>
    public HttpStatusCode? StatusCode { get; }
}
