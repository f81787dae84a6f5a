namespace Sos.Tests.InProcess;

/// <summary>A body that records whether the client ever started sending it.</summary>
internal sealed class WatchedContent(byte[] bytes) : HttpContent
{
    public bool WasSent { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
    {
        WasSent = true;
        return stream.WriteAsync(bytes).AsTask();
    }

    protected override bool TryComputeLength(out long length)
    {
        length = bytes.Length;
        return true;
    }
}
