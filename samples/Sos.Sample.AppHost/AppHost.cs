var builder = DistributedApplication.CreateBuilder(args);

var sos = builder.AddSos("sos")
    .WithDataDirectory(builder.Configuration["Sos:DataDirectory"] ?? ".sos-data");

builder.AddProject<Projects.Sos_Sample_Notes>("notes")
    .WithReference(sos)
    .WaitFor(sos);

builder.Build().Run();
