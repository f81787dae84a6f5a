namespace Sos.Client;

/// <summary>What became of a delete.</summary>
public enum SosDeleteStatus
{
    /// <summary>Deleted, durably on as many blob servers as an upload needs; also the answer for an id deleted before.</summary>
    Deleted,

    /// <summary>No blob server holds or ever held the id: there was nothing to delete.</summary>
    NotFound,

    /// <summary>
    /// Sos could not be reached, or too few blob servers could record the delete, after the
    /// client's retries. It may have reached some of them: sending it again is safe.
    /// </summary>
    Unavailable,
}
