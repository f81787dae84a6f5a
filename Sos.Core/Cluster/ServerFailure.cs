using System.Text.Json;
using Sos.Core.BlobServers;

namespace Sos.Core.Cluster;

/// <summary>
/// The one definition of "a blob server failed": it could not be reached, answered with an
/// error, sent a body that broke off or did not match its id, sent a reply that makes no sense,
/// or did not answer in time. The caller giving up is not a server failure.
/// </summary>
public static class ServerFailure
{
    public static bool Is(Exception exception, CancellationToken caller) => exception switch
    {
        OperationCanceledException => !caller.IsCancellationRequested,
        HttpRequestException or IOException or BlobServerException or JsonException => true,
        _ => false,
    };

    /// <summary>
    /// A failure in one line, for logs and traces only: the outer message of an HTTP failure says
    /// little ("An error occurred while sending the request"), the inner ones say what happened.
    /// </summary>
    public static string Describe(Exception exception)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            messages.Add(current.Message.TrimEnd('.'));
        }
        return string.Join(": ", messages.Distinct());
    }
}
