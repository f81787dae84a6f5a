using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

/// <summary>How every Sos service starts its host.</summary>
public static class ServiceBuilder
{
    /// <summary>
    /// A web application builder whose content root is the service's own directory, where its
    /// appsettings.json is, not the directory it was started from. The host watches its content
    /// root, subdirectories included, for configuration changes: started from <c>/</c> or from a
    /// directory holding a store, a service would scan that whole tree at start and then take an
    /// inotify event for every file a blob server writes.
    /// Kestrel receives into 64 KiB blocks (see <see cref="LargeBlockMemoryPool"/>).
    /// </summary>
    public static WebApplicationBuilder Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.Replace(ServiceDescriptor.Singleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>());
        return builder;
    }
}
