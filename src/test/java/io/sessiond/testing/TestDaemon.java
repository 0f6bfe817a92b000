package io.sessiond.testing;

import io.sessiond.Sessiond;
import io.sessiond.config.AppConfig;
import io.sessiond.config.Settings;
import io.sessiond.metrics.Metrics;
import io.sessiond.tenant.ApiKeys;
import io.sessiond.tenant.TenantLimits;
import io.sessiond.tenant.TenantSpec;
import io.vertx.core.Future;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real daemon for a test: the production deployer on a free port, configured from settings
 * (the same names as the environment variables), with tenants made up for the test.
 *
 * <p>A daemon whose settings name no {@code SESSION_STORE} runs on the store named by the system
 * property {@value #STORE_PROPERTY} ({@code memory}, the default, or {@code redis}): the build runs
 * the HTTP suites once on each (pom.xml, execution {@code http-suites-on-redis}). On Redis each
 * daemon gets the shared test Redis ({@link TestRedis#settings()}) and a fresh {@code REDIS_PREFIX},
 * so no two daemons, runs or machines ever see each other's keys.
 */
public final class TestDaemon {
  /** The system property naming the store of daemons that do not pin one. */
  public static final String STORE_PROPERTY = "sessiond.test.store";

  private final Vertx vertx;
  private final Sessiond daemon;
  private final WebClient client;
  private final Map<String, String> keys;
  private final Context clientContext;

  private TestDaemon(Vertx vertx, Vertx clientVertx, Sessiond daemon, Map<String, String> keys) {
    this.vertx = vertx;
    this.daemon = daemon;
    this.keys = keys;
    this.clientContext = clientVertx.getOrCreateContext();
    this.client = WebClient.create(clientVertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(daemon.httpPort()));
  }

  /** Builder: settings by name, tenants by id. */
  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private final Map<String, String> settings = new HashMap<>(Map.of("HTTP_PORT", "0", "HTTP_INSTANCES", "2",
        "HTTP_HOST", "127.0.0.1"));
    private final List<TenantSpec> tenants = new ArrayList<>();
    private final Map<String, String> keys = new HashMap<>();

    public Builder set(String name, Object value) {
      settings.put(name, String.valueOf(value));
      return this;
    }

    /** Adds a tenant with a fresh random key and the given limits. */
    public Builder tenant(String id, TenantLimits limits) {
      String key = "test-" + UUID.randomUUID();
      keys.put(id, key);
      tenants.add(new TenantSpec(id, List.of(ApiKeys.digest(key)), limits));
      return this;
    }

    public Builder tenant(String id) {
      return tenant(id, TenantLimits.UNLIMITED);
    }

    /** Adds a tenant with the given keys (all valid); {@link TestDaemon#api(String)} uses the first. */
    public Builder tenantWithKeys(String id, String... apiKeys) {
      keys.put(id, apiKeys[0]);
      tenants.add(new TenantSpec(id, java.util.Arrays.stream(apiKeys).map(ApiKeys::digest).toList(),
          TenantLimits.UNLIMITED));
      return this;
    }

    /**
     * Takes the tenants from the configuration (the {@code TENANTS} and {@code TENANTS_FILE}
     * settings), as {@code Main} does, instead of from this builder; call with {@link TestDaemon#apiWithKey}.
     */
    public Builder tenantsFromConfig() {
      tenantsFromConfig = true;
      return this;
    }

    private boolean tenantsFromConfig;

    /**
     * Starts the daemon on a Vert.x instance of its own, as a separate process would have: the
     * event bus is local to each instance, so two daemons must never share one. The test's HTTP
     * client runs on {@code clientVertx} (the test's own).
     */
    public Future<TestDaemon> start(Vertx clientVertx) {
      AppConfig config = AppConfig.from(Settings.of(new JsonObject(), withDefaultStore(settings)));
      Context clientContext = clientVertx.getOrCreateContext();
      List<TenantSpec> declared = tenantsFromConfig ? config.tenants().tenants() : tenants;
      // Building a Vert.x instance takes a while: never on the test's event loop.
      // Built as Main builds it (with its metrics registry), so tests see the real /metrics.
      Future<TestDaemon> started = clientVertx.executeBlocking(() -> Metrics.newVertx()).compose(vertx ->
          Sessiond.start(vertx, config, declared)
              .map(d -> new TestDaemon(vertx, clientVertx, d, keys))
              // Closed without waiting: a callback on the closing instance's context would never run.
              .recover(t -> {
                vertx.close();
                return Future.failedFuture(t);
              }));
      // Callbacks go back to the test's context: the daemon's own may be closed before the test ends.
      return Future.fromCompletionStage(started.toCompletionStage(), clientContext);
    }
  }

  /** The store daemons run on when their settings do not pin one: {@value #STORE_PROPERTY}, else memory. */
  public static String defaultStore() {
    String store = System.getProperty(STORE_PROPERTY, "memory").trim();
    if (!store.equals("memory") && !store.equals("redis")) {
      throw new IllegalArgumentException(STORE_PROPERTY + " must be memory or redis, not " + store);
    }
    return store;
  }

  /**
   * The system property that turns encryption at rest on (a fresh master key) in daemons whose
   * settings name no key ({@code -Dsessiond.test.encryption=true} runs any HTTP suite through sealing).
   */
  public static final String ENCRYPTION_PROPERTY = "sessiond.test.encryption";

  /** The settings with the default store filled in, when they name none. */
  private static Map<String, String> withDefaultStore(Map<String, String> settings) {
    Map<String, String> effective = new HashMap<>(settings);
    if (Boolean.getBoolean(ENCRYPTION_PROPERTY) && !effective.containsKey("ENCRYPTION_KEY")
        && !effective.containsKey("ENCRYPTION_KEY_FILE")) {
      byte[] key = new byte[32];
      new java.security.SecureRandom().nextBytes(key);
      effective.put("ENCRYPTION_KEY", java.util.Base64.getEncoder().encodeToString(key));
    }
    if (!effective.containsKey("SESSION_STORE") && defaultStore().equals("redis")) {
      effective.put("SESSION_STORE", "redis");
      effective.putAll(TestRedis.settings());
      effective.put("REDIS_PREFIX", TestRedis.uniquePrefix());
    }
    return effective;
  }

  /** A fresh tenant id, so tests never see each other's sessions. */
  public static String freshTenant() {
    return "t-" + UUID.randomUUID().toString().substring(0, 13);
  }

  /** A fresh session id. */
  public static String freshSession() {
    return "s-" + UUID.randomUUID();
  }

  public Api api(String tenant) {
    return new Api(client, keys.get(tenant));
  }

  /** Calls with an explicit bearer key (any string, known or not). */
  public Api apiWithKey(String key) {
    return new Api(client, key);
  }

  public WebClient client() {
    return client;
  }

  public int port() {
    return daemon.httpPort();
  }

  public Sessiond daemon() {
    return daemon;
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * Stops the daemon gracefully and closes its Vert.x instance. Runs on a thread of its own: a
   * caller on the daemon's event loop could not be called back once that loop is closed.
   */
  public Future<Void> stop() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread stopper = new Thread(() -> {
      try {
        daemon.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        done.complete(null);
      } catch (Exception e) {
        done.completeExceptionally(e);
      }
    }, "test-daemon-stop");
    stopper.start();
    return Future.fromCompletionStage(done, clientContext);
  }
}
