package io.sessiond.store.redis;

import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.config.RedisConfig;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * What a Redis driver failure means, for {@link RedisLink}: which failures are a lost connection
 * (retried, or counting towards an outage) and how each becomes a {@link StoreException} with a
 * one-line detail that never carries anything a client sent.
 */
final class RedisFailures {
  private RedisFailures() {
  }

  /**
   * A refused, unreachable or broken connection, or one that did not complete in time (a hung Redis
   * accepts TCP connections but never answers the handshake).
   */
  static boolean isConnectFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof TimeoutException || t instanceof java.net.ConnectException
          || t instanceof java.net.UnknownHostException || t instanceof java.nio.channels.ClosedChannelException
          || t instanceof java.net.NoRouteToHostException
          || t.getClass().getSimpleName().equals("ConnectTimeoutException")
          || t.getClass().getSimpleName().equals("RedisConnectException")) {
        return true;
      }
    }
    return false;
  }

  /** Everything but an error reply from Redis or a slow answer means the connection itself failed. */
  static boolean brokeTheConnection(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof StoreException || root instanceof TimeoutException) {
      return false;
    }
    return !root.getClass().getName().equals("io.vertx.redis.client.impl.types.ErrorType");
  }

  /** The start-up failure: a refused password is named as such, anything else as unreachable. */
  static String openFailure(RedisConfig config, Throwable e) {
    String text = String.valueOf(e.getMessage());
    String upper = text.toUpperCase(Locale.ROOT);
    if (upper.contains("WRONGPASS") || upper.contains("NOAUTH") || upper.contains("INVALID PASSWORD")
        || upper.contains("INVALID USERNAME")) {
      return "Redis at " + config.describe() + " refused the credentials: check the password in REDIS_URL or REDIS_PASSWORD";
    }
    return "cannot reach Redis at " + config.describe() + ": " + describe(e);
  }

  static StoreException translate(long timeoutMs, Throwable e) {
    if (e instanceof StoreException se) {
      return se;
    }
    if (e instanceof TimeoutException) {
      return new StoreException(StoreFailure.UNAVAILABLE, "Redis did not answer within " + timeoutMs + " ms", e);
    }
    return new StoreException(StoreFailure.UNAVAILABLE, "Redis failed: " + describe(e), e);
  }

  /** A one-line cause without anything a client sent. */
  static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return message.lines().findFirst().orElse("").trim();
  }

}
