namespace Sos.Client;

/// <summary>The outcome of <see cref="SosClient.DeleteAsync"/>.</summary>
/// <param name="Id">The id the delete was for.</param>
/// <param name="Status">Deleted, not found, or unavailable.</param>
/// <param name="DeletedAt">When Sos recorded the delete, when it is <see cref="SosDeleteStatus.Deleted"/> and the upload API said.</param>
/// <param name="Message">Why it was not deleted, in the user's terms; null when it was.</param>
public sealed record SosDeleteResult(string Id, SosDeleteStatus Status, DateTimeOffset? DeletedAt, string? Message);
