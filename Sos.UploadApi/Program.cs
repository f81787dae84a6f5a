using Sos.Core.Cluster;
using Sos.UploadApi;
using Sos.UploadApi.Deletes;
using Sos.UploadApi.Security;
using Sos.UploadApi.Uploads;

var builder = ServiceBuilder.Create(args);

builder.AddServiceDefaults(UploadApiTelemetry.Name, ClusterTelemetry.Name);
builder.AddUploadApi();
builder.AddApiKey();

var app = builder.Build();

app.UseExceptionHandler();
app.MapDefaultEndpoints();
app.MapUploadEndpoints().RequireApiKey(app.Services).AddEndpointFilter<MetadataLimits>();
app.MapDeleteEndpoints().RequireApiKey(app.Services);

app.Run();
