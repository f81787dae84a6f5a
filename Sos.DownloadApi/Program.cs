using Sos.Core.Cluster;
using Sos.DownloadApi;
using Sos.DownloadApi.Fetch;

var builder = ServiceBuilder.Create(args);

builder.AddServiceDefaults(DownloadApiTelemetry.Name, ClusterTelemetry.Name);
builder.AddDownloadApi();

var app = builder.Build();

app.UseExceptionHandler();
app.MapDefaultEndpoints();
app.MapFetchEndpoints();

app.Run();
