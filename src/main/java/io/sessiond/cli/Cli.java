package io.sessiond.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ScopeType;

/**
 * The jar's subcommands, parsed by picocli. {@link #run(String...)} answers the exit code: 0 done,
 * 1 failed, 2 usage error. Results and help go to stdout; progress, warnings and errors to stderr,
 * every error as one line {@code sessiond <command>: <what>} (usage) or
 * {@code sessiond <command> failed: <what>} (failure).
 */
@Command(name = "sessiond", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
    versionProvider = Cli.Version.class, sortOptions = false, usageHelpAutoWidth = true,
    synopsisSubcommandLabel = "[COMMAND]",
    header = "sessiond: a multi-tenant session daemon, and clients of running daemons.",
    descriptionHeading = "%n", optionListHeading = "%nOptions:%n", commandListHeading = "%nCommands:%n",
    description = {
        "Run as java -jar sessiond.jar [COMMAND] (in the Docker image: docker run IMAGE [COMMAND]).",
        "Without a COMMAND the jar runs the daemon, configured by conf/config.json and the environment "
            + "(an invalid setting exits 2 with one line naming it, a start-up failure exits 1).",
        "A COMMAND is a client of running daemons over their HTTP API: --url (default: $SESSIOND_URL, "
            + "else http://localhost:8080) and --api-key (default: $SESSIOND_API_KEY); the tenant is the key's. "
            + "Every command takes --dry-run (read and count, write nothing), --help and --version. "
            + "Results go to stdout; progress, warnings and errors to stderr."},
    subcommands = {Commands.ImportBaileys.class, Commands.ExportBaileys.class, Commands.ImportWwebjs.class,
        Commands.BackupTenant.class, Commands.RestoreTenant.class, Commands.Migrate.class,
        CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:failed (the daemon refused, a file could not be read or written, ...)",
        "2:usage error (unknown command or option, missing or invalid value)"})
public final class Cli {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  private final Context context;

  private Cli(Context context) {
    this.context = context;
  }

  Context context() {
    return context;
  }

  /** Runs a command as {@code main} would (the process's environment, stdout, stderr and console). */
  public static int run(String... args) {
    return run(Arrays.asList(args), System.getenv(), System.out, System.err, System.console() != null);
  }

  public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err, boolean tty) {
    Context context = new Context(null, env, out, err, tty);
    CommandLine cli = commandLine(context);
    if (args.isEmpty()) {
      // Main runs the daemon without arguments; here, without a command, there is nothing to do.
      cli.usage(cli.getErr());
      return USAGE;
    }
    return cli.execute(args.toArray(String[]::new));
  }

  static CommandLine commandLine(Context context) {
    CommandLine cli = new CommandLine(new Cli(context));
    cli.setOut(new PrintWriter(context.out(), true, StandardCharsets.UTF_8));
    cli.setErr(new PrintWriter(context.err(), true, StandardCharsets.UTF_8));
    // A session id or file name may start with '@': never read it as a file of arguments.
    cli.setExpandAtFiles(false);
    // As before picocli: a repeated option's last value wins (--url in an alias, then on the line).
    cli.setOverwrittenOptionsAllowed(true);
    cli.setParameterExceptionHandler((e, args) -> usageError(e.getCommandLine(), e.getMessage()));
    cli.setExecutionExceptionHandler((e, command, parsed) -> {
      if (e instanceof UsageException) {
        return usageError(command, e.getMessage());
      }
      PrintWriter err = command.getErr();
      if (context.tty()) {
        err.println(); // ends a progress bar's line
      }
      err.println(command.getCommandSpec().qualifiedName() + " failed: "
          + (e instanceof CliException ? e.getMessage() : e.toString()));
      return FAILED;
    });
    return cli;
  }

  private static int usageError(CommandLine command, String message) {
    PrintWriter err = command.getErr();
    String name = command.getCommandSpec().qualifiedName();
    err.println(name + ": " + message);
    err.println("Try '" + name + " --help' for more information.");
    return USAGE;
  }

  /** {@code --version}: the project version the build wrote into version.properties. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"sessiond " + version(),
          "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
    }

    static String version() {
      Properties p = new Properties();
      try (InputStream in = Cli.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // no version to tell
      }
      return p.getProperty("version", "unknown");
    }
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
    String key(String value, String option, String variable) {
      String k = value != null ? value : env.get(variable);
      if (k == null || k.isBlank()) {
        throw new UsageException(option + " (or " + variable + ") is required");
      }
      return k;
    }
  }
}
