namespace Sos.UploadApi.Deletes;

public enum DeleteOutcome
{
    /// <summary>The delete is durable on the write quorum (now, or it already was).</summary>
    Deleted,

    /// <summary>No reachable server ever held the id, as a copy or as a delete.</summary>
    NeverStored,

    /// <summary>Too few servers recorded the delete: it is not acknowledged.</summary>
    Unavailable,
}
