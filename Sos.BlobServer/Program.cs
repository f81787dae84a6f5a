using Sos.BlobServer;
using Sos.BlobServer.Blobs;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(BlobServerTelemetry.Name);
builder.AddBlobServer();

var app = builder.Build();

app.UseExceptionHandler();
app.MapDefaultEndpoints();
app.MapBlobEndpoints();

app.Run();
