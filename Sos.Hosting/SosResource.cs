namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A Sos object-storage cluster in an AppHost: its blob servers, upload and download APIs and
/// replicator, added by <c>AddSos</c>. A service that references it gets the connection string
/// <c>Upload={url};Download={url};Key={api key}</c> that the Sos client integration reads; a
/// service that waits for it waits until both APIs are healthy.
/// </summary>
public sealed class SosResource : Resource, IResourceWithConnectionString
{
    internal SosResource(string name, SosCluster cluster)
        : base(name)
    {
        Cluster = cluster;
    }

    /// <summary>The upload API's HTTP endpoint (port 9991 locally).</summary>
    public EndpointReference UploadEndpoint => Cluster.Upload.GetEndpoint("http");

    /// <summary>The download API's HTTP endpoint (port 9992 locally).</summary>
    public EndpointReference DownloadEndpoint => Cluster.Download.GetEndpoint("http");

    /// <summary>The key a client presents to upload; empty when uploads are open.</summary>
    public ParameterResource UploadApiKey => Cluster.UploadApiKey.Resource;

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Upload={UploadEndpoint.Property(EndpointProperty.Url)};Download={DownloadEndpoint.Property(EndpointProperty.Url)};Key={UploadApiKey}");

    internal SosCluster Cluster { get; }
}
