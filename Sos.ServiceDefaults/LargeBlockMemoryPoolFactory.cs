using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace Microsoft.Extensions.Hosting;

/// <summary>Gives Kestrel's transport a <see cref="LargeBlockMemoryPool"/> in place of its 4 KiB blocks.</summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
}
