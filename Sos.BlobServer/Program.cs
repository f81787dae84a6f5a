using Sos.BlobServer;
using Sos.BlobServer.Blobs;
using Sos.BlobServer.Leases;
using Sos.BlobServer.Marks;
using Sos.BlobServer.Security;

var builder = ServiceBuilder.Create(args);

builder.AddServiceDefaults(BlobServerTelemetry.Name);
builder.AddBlobServer();
builder.AddTokenCheck();

var app = builder.Build();

app.UseExceptionHandler();
app.UseTokenCheck();
app.MapDefaultEndpoints();
app.MapBlobEndpoints();
app.MapLeaseEndpoints();
app.MapMarkEndpoints();

app.Run();
