using Spotter.Collab.Silo;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls("http://0.0.0.0:8081");
using (var loggerFactory = LoggerFactory.Create(logging => logging.AddConsole()))
{
    await builder.MigrateDatabaseAsync(loggerFactory.CreateLogger("Spotter.Collab.Silo"));
}
builder.AddClusterSilo();

var app = builder.Build();
app.MapSiloHealth();
await app.RunAsync();
