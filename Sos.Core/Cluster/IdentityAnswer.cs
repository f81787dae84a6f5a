namespace Sos.Core.Cluster;

/// <summary>
/// A server's answer to "who are you": <see cref="Id"/> when it has an identity; answered but no
/// id when it has none to give (an original sos blob server, which has no <c>/identity</c>); not
/// answered when the server failed.
/// </summary>
public sealed record IdentityAnswer(bool Answered, string? Id);
