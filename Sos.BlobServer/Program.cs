using Sos.BlobServer;
using Sos.BlobServer.Blobs;
using Sos.BlobServer.Security;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(BlobServerTelemetry.Name);
builder.AddBlobServer();
builder.AddInternalTokenCheck();

var app = builder.Build();

app.UseExceptionHandler();
app.UseInternalTokenCheck();
app.MapDefaultEndpoints();
app.MapBlobEndpoints();

app.Run();
