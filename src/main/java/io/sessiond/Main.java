package io.sessiond;

import io.sessiond.config.AppConfig;
import io.sessiond.config.ConfigException;
import io.sessiond.config.ConfigLoader;
import io.sessiond.config.StoreConfig;
import io.sessiond.metrics.Metrics;
import io.sessiond.tenant.DefaultTenant;
import io.sessiond.tenant.TenantSpec;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Boot only: load and validate configuration, start Vert.x, deploy the daemon, stop it on SIGTERM. */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  /** Exit code for invalid configuration. */
  static final int EXIT_CONFIG = 2;
  /** Exit code for a start-up failure (a store that cannot open, a port in use). */
  static final int EXIT_START = 1;

  private Main() {
  }

  public static void main(String[] args) {
    if (args.length > 0) {
      // A subcommand (import-baileys, migrate, ...): a client of running daemons, not a daemon.
      System.exit(io.sessiond.cli.Cli.run(args));
      return;
    }
    AppConfig config;
    List<TenantSpec> tenants;
    try {
      config = ConfigLoader.load(System.getenv());
      tenants = tenants(config);
    } catch (ConfigException e) {
      LOG.error("Invalid configuration: {}", e.getMessage());
      System.exit(EXIT_CONFIG);
      return;
    } catch (IOException e) {
      LOG.error("Cannot prepare the default tenant: {}", e.getMessage());
      System.exit(EXIT_START);
      return;
    }
    Vertx vertx = Metrics.newVertx();
    Sessiond.start(vertx, config, tenants)
        .onSuccess(d -> {
          LOG.info("sessiond listening on {}://{}:{} with the {} store", config.http().tls() ? "https" : "http",
              config.http().host(), d.httpPort(), config.store().kind());
          Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx, d), "sessiond-shutdown"));
        })
        .onFailure(t -> {
          LOG.error("Start-up failed: {}", t.getMessage());
          vertx.close().onComplete(ar -> System.exit(EXIT_START));
        });
  }

  private static List<TenantSpec> tenants(AppConfig config) throws IOException {
    if (!config.tenants().tenants().isEmpty()) {
      return config.tenants().tenants();
    }
    StoreConfig store = config.store();
    if (store.kind().equals(StoreConfig.REDIS)) {
      throw new ConfigException("TENANTS", "no tenant is declared; replicas sharing a store need fixed keys (TENANTS=acme=<key> or conf/tenants.json)");
    }
    return DefaultTenant.create(config.tenants().defaultLimits(), store.kind().equals(StoreConfig.FILE) ? store.dataDir() : null);
  }

  /** Runs on the JVM's shutdown thread, so waiting here blocks no event loop. */
  private static void shutdown(Vertx vertx, Sessiond daemon) {
    LOG.info("Shutting down");
    long stopSeconds = 30 + (daemon.config().ops().shutdownDrainDelayMs() + daemon.config().ops().shutdownGraceMs()) / 1000;
    try {
      // Two separate waits: the daemon's futures are bound to event-loop contexts, and a close
      // composed onto them would be called back on a loop that vertx.close() already terminated.
      daemon.stop().toCompletionStage().toCompletableFuture().get(stopSeconds, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("Shutdown did not finish cleanly: {}", e.toString());
    }
  }
}
