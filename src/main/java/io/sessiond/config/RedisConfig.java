package io.sessiond.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Redis store's connection. Only used when {@code SESSION_STORE=redis}, but always validated so
 * that a typo fails at start-up. {@link #toString()} never shows the password.
 *
 * @param mode                   standalone, sentinel or cluster
 * @param endpoints              connection strings without credentials: {@code REDIS_URL} first, then {@code REDIS_NODES}
 * @param username               Redis ACL user, or {@code null}
 * @param password               password, or {@code null}
 * @param masterName             the Sentinel master name (sentinel mode)
 * @param prefix                 prefix of every key sessiond writes
 * @param poolSize               long-lived connections each store instance pipelines its requests on
 * @param maxPoolWaiting         requests that may wait for a connection being opened before failing fast
 * @param maxPipelined           requests in flight on one connection
 * @param timeoutMs              how long one request may take before it fails as unavailable
 * @param connectTimeoutMs       how long opening a TCP connection may take
 * @param retries                extra attempts of a request that could not get a connection
 * @param retryBackoffMs         the first retry's delay; each next one doubles it
 * @param reconnectMaxBackoffMs  ceiling of the delay between probes while Redis is down
 * @param tls                    the endpoints are {@code rediss://}: TLS to every node
 * @param tlsCaFile              PEM file of the authorities trusted for Redis's certificate ({@code null}: the JVM's)
 * @param tlsVerifyHostname      whether the certificate must name the host connected to
 * @param functions              whether the store's scripts run from a function library (FCALL) where Redis allows it
 */
public record RedisConfig(String mode, List<String> endpoints, String username, String password, String masterName,
                          String prefix, int poolSize, int maxPoolWaiting, int maxPipelined, long timeoutMs,
                          long connectTimeoutMs, int retries, long retryBackoffMs, long reconnectMaxBackoffMs,
                          boolean tls, String tlsCaFile, boolean tlsVerifyHostname, boolean functions) {
  public static final String STANDALONE = "standalone";
  public static final String SENTINEL = "sentinel";
  public static final String CLUSTER = "cluster";
  private static final Set<String> SCHEMES = Set.of("redis", "rediss");

  public static RedisConfig from(Settings s) {
    String mode = s.choice("REDIS_MODE", STANDALONE, Set.of(STANDALONE, SENTINEL, CLUSTER));
    List<String> endpoints = new ArrayList<>();
    ConnectionUrl main = s.url("REDIS_URL", SCHEMES);
    endpoints.add(main == null ? "redis://localhost:6379" : checked("REDIS_URL", main, mode).redacted());
    String nodes = s.optional("REDIS_NODES");
    if (nodes != null) {
      for (String node : nodes.split(",")) {
        if (!node.isBlank()) {
          endpoints.add(checked("REDIS_NODES", ConnectionUrl.parse("REDIS_NODES", node, SCHEMES), mode).redacted());
        }
      }
    }
    String masterName = s.optional("REDIS_MASTER_NAME");
    if (SENTINEL.equals(mode) && masterName == null) {
      throw new ConfigException("REDIS_MASTER_NAME", "is required when REDIS_MODE is sentinel");
    }
    // redis://secret@host: a user info without a colon is the password (redis://user:secret@host for ACL users).
    String urlUser = main == null || main.password() == null ? null : emptyToNull(main.user());
    String urlPassword = main == null ? null : emptyToNull(main.password() == null ? main.user() : main.password());
    return new RedisConfig(mode, List.copyOf(endpoints),
        s.string("REDIS_USERNAME", urlUser),
        s.string("REDIS_PASSWORD", urlPassword),
        masterName == null ? "mymaster" : masterName,
        prefix(s),
        s.intValue("REDIS_POOL_SIZE", 4, 1, 1024),
        s.intValue("REDIS_MAX_WAITING", 4096, 1, 1_000_000),
        s.intValue("REDIS_MAX_PIPELINED", 2048, 1, 1_000_000),
        s.longValue("REDIS_TIMEOUT_MS", 2000, 50, 600_000),
        s.longValue("REDIS_CONNECT_TIMEOUT_MS", 2000, 50, 600_000),
        s.intValue("REDIS_RETRIES", 2, 0, 20),
        s.longValue("REDIS_RETRY_BACKOFF_MS", 50, 1, 60_000),
        s.longValue("REDIS_RECONNECT_MAX_BACKOFF_MS", 2000, 10, 600_000),
        tls(endpoints), caFile(s, tls(endpoints)),
        s.bool("REDIS_TLS_VERIFY_HOSTNAME", true),
        s.bool("REDIS_FUNCTIONS", true));
  }

  /** Whether the endpoints speak TLS; all of them or none (one client cannot mix the two). */
  private static boolean tls(List<String> endpoints) {
    long secure = endpoints.stream().filter(e -> e.startsWith("rediss://")).count();
    if (secure != 0 && secure != endpoints.size()) {
      throw new ConfigException("REDIS_NODES", "mixes redis:// and rediss:// endpoints: use one scheme for every node");
    }
    return secure != 0;
  }

  private static String caFile(Settings s, boolean tls) {
    String file = s.optional("REDIS_TLS_CA_FILE");
    if (file != null && !tls) {
      throw new ConfigException("REDIS_TLS_CA_FILE", "is set but REDIS_URL is not rediss:// (the connection would not use TLS)");
    }
    if (file != null && !java.nio.file.Files.isReadable(java.nio.file.Path.of(file))) {
      throw new ConfigException("REDIS_TLS_CA_FILE", "file " + file + " does not exist or cannot be read");
    }
    return file;
  }

  /** The first endpoint without credentials, for log lines and error messages. */
  public String describe() {
    return endpoints.get(0) + " (" + mode + ")";
  }

  @Override
  public String toString() {
    return "RedisConfig[mode=" + mode + ", endpoints=" + endpoints
        + ", username=" + username + ", password=" + (password == null ? "none" : "***") + ", prefix=" + prefix
        + ", poolSize=" + poolSize + ", timeoutMs=" + timeoutMs + ", tls=" + tls + "]";
  }

  private static String prefix(Settings s) {
    String prefix = s.string("REDIS_PREFIX", "sessiond:");
    // A brace in the prefix would become the cluster hash tag of every key and put all sessions in one slot.
    if (prefix.contains("{") || prefix.contains("}") || prefix.length() > 128 || prefix.chars().anyMatch(Character::isWhitespace)) {
      throw new ConfigException("REDIS_PREFIX", "must be at most 128 characters without braces or spaces");
    }
    return prefix;
  }

  private static ConnectionUrl checked(String name, ConnectionUrl url, String mode) {
    String path = url.path();
    if (!path.isEmpty() && !path.equals("/")) {
      String db = path.substring(1);
      if (!db.matches("[0-9]{1,2}")) {
        throw new ConfigException(name, "the path must be a database number such as /0");
      }
      if (CLUSTER.equals(mode) && !db.equals("0")) {
        throw new ConfigException(name, "Redis Cluster has only database 0");
      }
    }
    return url;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
