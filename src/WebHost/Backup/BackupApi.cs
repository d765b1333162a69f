using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.WebHost.Api;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Backup;

/// <summary><c>POST /api/admin/backup</c>: an administrator downloads an online backup of the running installation.</summary>
public static class BackupApi
{
    public const string ArchiveContentType = "application/gzip";

    public static IEndpointRouteBuilder MapBackupApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/admin/backup", BackupAsync).RequireAuthorization(AuthExtensions.AdminPolicy).WithTags("Admin")
            .Produces<byte[]>(StatusCodes.Status200OK, ArchiveContentType)
            .ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> BackupAsync(HttpContext http, IServiceProvider services, AuditRecorder audit, TimeProvider time)
    {
        if (services.GetService<InstallationBackup>() is not { } backup)
        {
            return Problems.Conflict("backup-not-embedded", "this web host runs against a PostgreSQL cluster: back up the database with pg_dump (docs/deploy.md, Backup and restore)");
        }
        // Built completely before the answer starts, so a failure is an error status, never a truncated archive.
        var folder = Directory.CreateTempSubdirectory("spotter-backup-");
        var path = Path.Combine(folder.FullName, "backup.tar.gz");
        BackupManifest manifest;
        try
        {
            manifest = await backup.CreateAsync(path, http.RequestAborted);
        }
        catch
        {
            folder.Delete(recursive: true);
            throw;
        }
        var archive = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Delete, 81920, FileOptions.Asynchronous | FileOptions.DeleteOnClose | FileOptions.SequentialScan);
        // The open stream keeps the file's data on Unix, so the folder can go now (elsewhere DeleteOnClose removes the file).
        if (!OperatingSystem.IsWindows()) folder.Delete(recursive: true);
        await audit.RecordAsync(http, AuditActions.Backup, null, $"schema {manifest.SchemaVersion}, {manifest.KeyFiles} key files");
        var name = $"spotter-backup-{time.GetUtcNow():yyyyMMdd-HHmmss}.tar.gz";
        return TypedResults.Stream(archive, ArchiveContentType, name);
    }
}
