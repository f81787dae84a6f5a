using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sos.Core.Configuration;

public static class ValidatedOptionsExtensions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to its configuration section once and validates it (data
    /// annotations) when the service starts, so a bad setting stops the service at start, not at
    /// the first request that reads it: the one way every Sos service registers its settings.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string sectionName)
        where TOptions : class =>
        services.AddOptions<TOptions>()
            .BindConfiguration(sectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
