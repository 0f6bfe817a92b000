package io.sessiond.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * The subcommands' options, as picocli declares them; each {@code call()} hands them to the class
 * that does the work ({@link BaileysCommands}, {@link WwebjsCommand}, {@link TenantCommands}).
 */
final class Commands {
  private Commands() {
  }

  /** {@code --url} and {@code --api-key}: the daemon a command talks to, and the tenant. */
  static final class Daemon {
    @Option(names = "--url", paramLabel = "URL", order = 90,
        description = "The daemon. Default: $SESSIOND_URL, else http://localhost:8080")
    String url;

    @Option(names = "--api-key", paramLabel = "KEY", order = 91,
        description = "The tenant's API key (default: $SESSIOND_API_KEY).")
    String apiKey;

    Cli.Context connect(Cli.Context c) {
      String u = url != null ? url : c.env().getOrDefault("SESSIOND_URL", "http://localhost:8080");
      return c.withClient(new DaemonClient(u, c.key(apiKey, "--api-key", "SESSIOND_API_KEY")));
    }
  }

  /** {@code --dry-run}, which every command takes. */
  static final class DryRun {
    @Option(names = "--dry-run", order = 99, description = "Read and count, write nothing.")
    boolean dryRun;
  }

  @Command(name = "import-baileys", sortOptions = false,
      header = "Import a Baileys useMultiFileAuthState folder into a session.",
      description = "Reads creds.json and every <type>-<id>.json key file, writes the creds, then the keys in "
          + "atomic batches. Batches are idempotent upserts: re-run the import after a failure.")
  static final class ImportBaileys implements Callable<Integer> {
    @ParentCommand
    Cli cli;
    @Mixin
    Daemon daemon;
    @Mixin
    DryRun dry;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The auth folder, e.g. auth_info.")
    Path dir;

    @Option(names = "--session", required = true, paramLabel = "ID", description = "The session to import into.")
    String session;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "500",
        description = "Keys per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--ttl", paramLabel = "SECONDS", defaultValue = "0",
        description = "TTL of a session the import creates; 0 never expires (default: ${DEFAULT-VALUE}).")
    long ttl;

    @Override
    public Integer call() {
      if (batchSize < 1) {
        throw new UsageException("--batch-size must be a positive whole number");
      }
      nonNegative(ttl, "--ttl");
      return BaileysCommands.importFolder(daemon.connect(cli.context()), this);
    }
  }

  @Command(name = "export-baileys", sortOptions = false,
      header = "Export a session into a Baileys useMultiFileAuthState folder.",
      description = "Writes creds.json and one file per key, named as Baileys names them.")
  static final class ExportBaileys implements Callable<Integer> {
    @ParentCommand
    Cli cli;
    @Mixin
    Daemon daemon;
    @Mixin
    DryRun dry;

    @Option(names = "--session", required = true, paramLabel = "ID", description = "The session to export.")
    String session;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The folder to write (created).")
    Path dir;

    @Override
    public Integer call() {
      return BaileysCommands.exportFolder(daemon.connect(cli.context()), this);
    }
  }

  @Command(name = "import-wwebjs", sortOptions = false,
      header = "Upload a whatsapp-web.js LocalAuth profile as a RemoteAuth zip blob.",
      description = "Zips <dir>/session-<session-id> as RemoteAuth does and uploads it as the blob "
          + "SessiondRemoteAuthStore reads (blob RemoteAuth.zip of session RemoteAuth-<session-id>).")
  static final class ImportWwebjs implements Callable<Integer> {
    @ParentCommand
    Cli cli;
    @Mixin
    Daemon daemon;
    @Mixin
    DryRun dry;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".wwebjs_auth",
        description = "LocalAuth's dataPath (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--session-id", required = true, paramLabel = "CLIENT_ID", description = "LocalAuth's clientId.")
    String clientId;

    @Option(names = "--session", paramLabel = "ID", description = "The session (default: RemoteAuth-<session-id>, mapped as SessiondRemoteAuthStore maps a name that is no valid id).")
    String session;

    @Option(names = "--blob", paramLabel = "NAME", defaultValue = "RemoteAuth.zip",
        description = "The blob's name (default: ${DEFAULT-VALUE}).")
    String blob;

    @Option(names = "--ttl", paramLabel = "SECONDS", defaultValue = "0",
        description = "TTL of a session the import creates; 0 never expires (default: ${DEFAULT-VALUE}).")
    long ttl;

    @Override
    public Integer call() {
      nonNegative(ttl, "--ttl");
      return WwebjsCommand.importFolder(daemon.connect(cli.context()), this);
    }
  }

  /** {@code --blob} and {@code --no-blobs} of backup-tenant and migrate. */
  static final class Blobs {
    @Option(names = "--blob", paramLabel = "NAME", order = 80,
        description = "Copy only the blobs so named (repeatable; default: every blob of each session).")
    List<String> names = new ArrayList<>();

    @Option(names = "--no-blobs", order = 81, description = "Copy no blob.")
    boolean none;

    TenantCommands.BlobFilter filter() {
      return TenantCommands.BlobFilter.of(none, names);
    }
  }

  @Command(name = "backup-tenant", sortOptions = false,
      header = "Back up every session of the tenant, with its blobs, into an NDJSON file.",
      description = "One export document per line (what GET /v1/sessions/{id}/export answers), each followed "
          + "by one line per blob of that session. A cut-off backup ends on a whole session or a partial line, "
          + "which --resume drops.")
  static final class BackupTenant implements Callable<Integer> {
    @ParentCommand
    Cli cli;
    @Mixin
    Daemon daemon;
    @Mixin
    DryRun dry;
    @Mixin
    Blobs blobs;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The backup file to write.")
    Path out;

    @Option(names = "--resume", description = "Keep the whole sessions already in FILE and add the others.")
    boolean resume;

    @Option(names = "--sealed", description = "Take sealed exports (GET …/export?sealed=true: every value sealed under "
        + "the tenant's data key, no plaintext in FILE; needs encryption at rest on the daemon). Restores only into a "
        + "daemon holding the tenant's data keys. Holds no blob: give --no-blobs.")
    boolean sealed;

    @Override
    public Integer call() {
      TenantCommands.BlobFilter filter = blobs.filter();
      if (sealed && !filter.none()) {
        throw new UsageException("--sealed needs --no-blobs: blobs are read in plain form over the API, so a sealed"
            + " backup holds none (back them up separately, or take a plain backup)");
      }
      return TenantCommands.backup(daemon.connect(cli.context()), this, filter);
    }
  }

  @Command(name = "restore-tenant", sortOptions = false,
      header = "Restore a backup-tenant file (sessions and blobs) into a daemon.",
      description = "Skips a session the daemon already holds at the same or a newer version, so a re-run "
          + "after a failure resumes where it stopped. Sealed sessions (backup-tenant --sealed) are imported "
          + "with POST /v1/sessions/import?sealed=true.")
  static final class RestoreTenant implements Callable<Integer> {
    @ParentCommand
    Cli cli;
    @Mixin
    Daemon daemon;
    @Mixin
    DryRun dry;

    @Option(names = "--in", required = true, paramLabel = "FILE", description = "The backup file to read.")
    Path in;

    @Override
    public Integer call() {
      return TenantCommands.restore(daemon.connect(cli.context()), this);
    }
  }

  @Command(name = "migrate", sortOptions = false,
      header = "Copy every session of one tenant, with its blobs, to another daemon, and verify.",
      description = "Skips a session the destination already holds at the same or a newer version; ends by "
          + "comparing both sides' versions, key counts, message counts and blobs (exit code 1 on a mismatch).")
  static final class Migrate implements Callable<Integer> {
    @ParentCommand
    Cli cli;
    @Mixin
    DryRun dry;
    @Mixin
    Blobs blobs;

    @Option(names = "--from-url", required = true, paramLabel = "URL", description = "The source daemon.")
    String fromUrl;

    @Option(names = "--from-api-key", paramLabel = "KEY",
        description = "The source tenant's key (default: $SESSIOND_FROM_API_KEY).")
    String fromApiKey;

    @Option(names = "--to-url", required = true, paramLabel = "URL", description = "The destination daemon.")
    String toUrl;

    @Option(names = "--to-api-key", paramLabel = "KEY",
        description = "The destination tenant's key (default: $SESSIOND_TO_API_KEY).")
    String toApiKey;

    @Override
    public Integer call() {
      Cli.Context c = cli.context();
      DaemonClient from = new DaemonClient(fromUrl, c.key(fromApiKey, "--from-api-key", "SESSIOND_FROM_API_KEY"));
      DaemonClient to = new DaemonClient(toUrl, c.key(toApiKey, "--to-api-key", "SESSIOND_TO_API_KEY"));
      return TenantCommands.migrate(c, from, to, dry.dryRun, blobs.filter());
    }
  }

  private static void nonNegative(long value, String option) {
    if (value < 0) {
      throw new UsageException(option + " must be a whole number ≥ 0");
    }
  }
}
