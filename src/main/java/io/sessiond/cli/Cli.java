package io.sessiond.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The jar's subcommands. {@link #run(String...)} answers the exit code: 0 done, 1 failed, 2 usage
 * error (with the usage text on stderr). Results go to stdout, progress and warnings to stderr.
 */
public final class Cli {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  static final String USAGE_TEXT = """
      usage: java -jar sessiond.jar <command> [options]
        (no command: run the daemon)

      commands:
        import-baileys  --dir auth_info --session mybot [--batch-size 500] [--ttl 0] [--dry-run]
        export-baileys  --session mybot --dir out [--dry-run]
        import-wwebjs   [--dir .wwebjs_auth] --session-id bot1 [--session RemoteAuth-bot1]
                        [--blob RemoteAuth.zip] [--ttl 0] [--dry-run]
        backup-tenant   --out tenant.ndjson [--resume] [--blob NAME ...|--no-blobs] [--dry-run]
        restore-tenant  --in tenant.ndjson [--dry-run]
        migrate         --from-url URL --from-api-key KEY --to-url URL --to-api-key KEY
                        [--blob NAME ...|--no-blobs] [--dry-run]

      options of every command but migrate:
        --url URL       the daemon (default http://localhost:8080)
        --api-key KEY   the tenant's API key (default: the SESSIOND_API_KEY variable)
      --url defaults to the SESSIOND_URL variable when set; migrate's keys default to
      SESSIOND_FROM_API_KEY and SESSIOND_TO_API_KEY.
      Blobs copied by backup-tenant and migrate: RemoteAuth.zip unless --blob names others.
      exit codes: 0 done, 1 failed, 2 usage error
      """;

  private static final Set<String> CONNECT = Set.of("url", "api-key");

  private Cli() {
  }

  /** Runs a command as {@code main} would (the process's environment, stdout, stderr and console). */
  public static int run(String... args) {
    return run(Arrays.asList(args), System.getenv(), System.out, System.err, System.console() != null);
  }

  public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err, boolean tty) {
    if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("--help") || args.get(0).equals("-h")) {
      (args.isEmpty() ? err : out).print(USAGE_TEXT);
      return args.isEmpty() ? USAGE : OK;
    }
    String command = args.get(0);
    List<String> rest = args.subList(1, args.size());
    try {
      return switch (command) {
        case "import-baileys" -> connected(rest, env, out, err, tty, Set.of("dir", "session", "batch-size", "ttl"),
            Set.of("dry-run"), BaileysCommands::importFolder);
        case "export-baileys" -> connected(rest, env, out, err, tty, Set.of("dir", "session"), Set.of("dry-run"),
            BaileysCommands::exportFolder);
        case "import-wwebjs" -> connected(rest, env, out, err, tty, Set.of("dir", "session-id", "session", "blob", "ttl"),
            Set.of("dry-run"), WwebjsCommand::importFolder);
        case "backup-tenant" -> connected(rest, env, out, err, tty, Set.of("out", "blob"),
            Set.of("dry-run", "resume", "no-blobs"), TenantCommands::backup);
        case "restore-tenant" -> connected(rest, env, out, err, tty, Set.of("in"), Set.of("dry-run"),
            TenantCommands::restore);
        case "migrate" -> TenantCommands.migrate(new Context(null, env, out, err, tty), Args.parse(rest,
            Set.of("from-url", "from-api-key", "to-url", "to-api-key", "blob"), Set.of("dry-run", "no-blobs")));
        default -> throw new UsageException("unknown command '" + command + "'");
      };
    } catch (UsageException e) {
      err.println("sessiond: " + e.getMessage());
      err.print(USAGE_TEXT);
      return USAGE;
    } catch (CliException e) {
      err.println();
      err.println("sessiond " + command + " failed: " + e.getMessage());
      return FAILED;
    } catch (RuntimeException e) {
      err.println();
      err.println("sessiond " + command + " failed: " + e);
      return FAILED;
    }
  }

  private interface Command {
    int run(Context c, Args a);
  }

  /** Parses the command's options plus --url and --api-key, then runs it with a client of that daemon. */
  private static int connected(List<String> argv, Map<String, String> env, PrintStream out, PrintStream err,
      boolean tty, Set<String> options, Set<String> flags, Command command) {
    Set<String> all = new HashSet<>(options);
    all.addAll(CONNECT);
    Args a = Args.parse(argv, all, flags);
    String url = a.get("url", env.getOrDefault("SESSIOND_URL", "http://localhost:8080"));
    Context c = new Context(null, env, out, err, tty);
    return command.run(c.withClient(new DaemonClient(url, c.key(a, "api-key", "SESSIOND_API_KEY"))), a);
  }

  /** What a command works with. */
  record Context(DaemonClient client, Map<String, String> env, PrintStream out, PrintStream err, boolean tty) {
    Context withClient(DaemonClient c) {
      return new Context(c, env, out, err, tty);
    }

    Progress progress(String verb, String unit, long total, long step) {
      return new Progress(err, tty, verb, unit, total, step);
    }

    /** The option's value, else the environment variable's; required. */
    String key(Args a, String option, String variable) {
      String k = a.get(option, env.get(variable));
      if (k == null || k.isBlank()) {
        throw new UsageException("--" + option + " (or " + variable + ") is required");
      }
      return k;
    }
  }
}
