using Sos.Cli;

return await SosCli.RunAsync(args, CliConsole.System, Environment.GetEnvironmentVariable);
