using Sos.Sample.Notes;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
// The one line on the service's side: a SosClient from the "sos" connection string the AppHost passes.
builder.AddSosClient("sos");

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapNoteEndpoints();

app.Run();
