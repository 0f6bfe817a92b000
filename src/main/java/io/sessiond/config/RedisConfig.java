package io.sessiond.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 */
public record RedisConfig(String mode, List<String> endpoints, String username, String password, String masterName,
                          String prefix, int poolSize, int maxPoolWaiting, int maxPipelined, long timeoutMs,
                          long connectTimeoutMs, int retries, long retryBackoffMs, long reconnectMaxBackoffMs) {
  public static final String STANDALONE = "standalone";
  public static final String SENTINEL = "sentinel";
  public static final String CLUSTER = "cluster";
  private static final Set<String> SCHEMES = Set.of("redis", "rediss");

  public static RedisConfig from(Settings s) {
    String mode = s.choice("REDIS_MODE", STANDALONE, Set.of(STANDALONE, SENTINEL, CLUSTER));
    List<String> endpoints = new ArrayList<>();
    URI main = s.uri("REDIS_URL", SCHEMES);
    endpoints.add(main == null ? "redis://localhost:6379" : redact(checked("REDIS_URL", main, mode).toString()));
    String nodes = s.optional("REDIS_NODES");
    if (nodes != null) {
      for (String node : nodes.split(",")) {
        if (!node.isBlank()) {
          endpoints.add(redact(checked("REDIS_NODES", parse("REDIS_NODES", node.trim()), mode).toString()));
        }
      }
    }
    String masterName = s.optional("REDIS_MASTER_NAME");
    if (SENTINEL.equals(mode) && masterName == null) {
      throw new ConfigException("REDIS_MASTER_NAME", "is required when REDIS_MODE is sentinel");
    }
    String[] user = userInfo(main);
    return new RedisConfig(mode, List.copyOf(endpoints),
        s.string("REDIS_USERNAME", user[0]),
        s.string("REDIS_PASSWORD", user[1]),
        masterName == null ? "mymaster" : masterName,
        prefix(s),
        s.intValue("REDIS_POOL_SIZE", 4, 1, 1024),
        s.intValue("REDIS_MAX_WAITING", 4096, 1, 1_000_000),
        s.intValue("REDIS_MAX_PIPELINED", 2048, 1, 1_000_000),
        s.longValue("REDIS_TIMEOUT_MS", 2000, 50, 600_000),
        s.longValue("REDIS_CONNECT_TIMEOUT_MS", 2000, 50, 600_000),
        s.intValue("REDIS_RETRIES", 2, 0, 20),
        s.longValue("REDIS_RETRY_BACKOFF_MS", 50, 1, 60_000),
        s.longValue("REDIS_RECONNECT_MAX_BACKOFF_MS", 2000, 10, 600_000));
  }

  /** The first endpoint without credentials, for log lines and error messages. */
  public String describe() {
    return endpoints.get(0) + " (" + mode + ")";
  }

  @Override
  public String toString() {
    return "RedisConfig[mode=" + mode + ", endpoints=" + endpoints
        + ", username=" + username + ", password=" + (password == null ? "none" : "***") + ", prefix=" + prefix
        + ", poolSize=" + poolSize + ", timeoutMs=" + timeoutMs + "]";
  }

  /** A connection string with its user info removed. */
  public static String redact(String url) {
    try {
      URI u = new URI(url);
      return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null).toString();
    } catch (Exception e) {
      return "<invalid url>";
    }
  }

  private static String prefix(Settings s) {
    String prefix = s.string("REDIS_PREFIX", "sessiond:");
    // A brace in the prefix would become the cluster hash tag of every key and put all sessions in one slot.
    if (prefix.contains("{") || prefix.contains("}") || prefix.length() > 128 || prefix.chars().anyMatch(Character::isWhitespace)) {
      throw new ConfigException("REDIS_PREFIX", "must be at most 128 characters without braces or spaces");
    }
    return prefix;
  }

  private static URI parse(String name, String value) {
    try {
      URI uri = new URI(value);
      if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT)) || uri.getHost() == null) {
        throw new ConfigException(name, "each entry must be redis://host:port or rediss://host:port");
      }
      return uri;
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException(name, "has an entry that is not a valid URL");
    }
  }

  private static URI checked(String name, URI uri, String mode) {
    String path = uri.getPath();
    if (path != null && !path.isEmpty() && !path.equals("/")) {
      String db = path.substring(1);
      if (!db.matches("[0-9]{1,2}")) {
        throw new ConfigException(name, "the path must be a database number such as /0");
      }
      if (CLUSTER.equals(mode) && !db.equals("0")) {
        throw new ConfigException(name, "Redis Cluster has only database 0");
      }
    }
    if (uri.getPort() == 0 || uri.getPort() > 65535) {
      throw new ConfigException(name, "port must be 1..65535");
    }
    return uri;
  }

  /** {user, password} from {@code redis://user:password@host}, URL-decoded; empty parts are {@code null}. */
  private static String[] userInfo(URI uri) {
    String info = uri == null ? null : uri.getRawUserInfo();
    if (info == null || info.isEmpty()) {
      return new String[] {null, null};
    }
    int colon = info.indexOf(':');
    String user = colon < 0 ? null : decode(info.substring(0, colon));
    String password = decode(colon < 0 ? info : info.substring(colon + 1));
    return new String[] {user == null || user.isEmpty() ? null : user, password.isEmpty() ? null : password};
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
