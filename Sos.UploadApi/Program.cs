using Sos.UploadApi;
using Sos.UploadApi.Uploads;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(UploadApiTelemetry.Name);
builder.AddUploadApi();

var app = builder.Build();

app.UseExceptionHandler();
app.MapDefaultEndpoints();
app.MapUploadEndpoints();

app.Run();
