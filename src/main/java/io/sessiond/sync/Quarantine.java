package io.sessiond.sync;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;

/**
 * When a session's changes are refused by PostgreSQL itself (a data error, not an outage), the
 * session is quarantined instead of blocking every other change: its entries are acknowledged, the
 * session stays whole in Redis, and a full sync of it is retried with exponential backoff until it
 * succeeds (the data was fixed, or the session deleted). The detail is a small JSON document kept in
 * the change feed, so every instance, {@code /health/ready} and the session's status see it.
 */
final class Quarantine {
  /** First retry after this long; each failed retry doubles it, up to {@link #MAX_BACKOFF_MS}. */
  static final long FIRST_BACKOFF_MS = 1_000;
  static final long MAX_BACKOFF_MS = 10 * 60_000;

  private Quarantine() {
  }

  /**
   * Whether a failed batch may be the fault of one of its sessions rather than of PostgreSQL being
   * unreachable: PostgreSQL answered with an error (a data exception, a constraint, a program limit),
   * or the session's data could not be read or encoded on our side. Connection failures and timeouts
   * are outages: the batch waits for PostgreSQL instead.
   */
  static boolean sessionFault(Throwable failure) {
    if (failure instanceof PgException pg) {
      String state = pg.getSqlState();
      // 08: connection exception, 53: insufficient resources, 57: operator intervention (shutdown), 40: rollback
      return state == null || !(state.startsWith("08") || state.startsWith("53") || state.startsWith("57")
          || state.startsWith("40"));
    }
    if (failure instanceof ReplyException reply) {
      // The feed, over the bus: it names a session it could not read (a parse error), or the store down.
      return reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
          && SyncFailure.ofCode(reply.failureCode()) == SyncFailure.SESSION_UNREADABLE;
    }
    return failure instanceof IllegalArgumentException || failure instanceof IllegalStateException
        || failure instanceof ArithmeticException || failure instanceof ClassCastException
        || failure instanceof DecodeException || failure instanceof EncodeException;
  }

  /** The detail of a session quarantined now, after {@code attempts} failed attempts. */
  static String detail(Throwable failure, long since, int attempts, long now) {
    long backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(20, Math.max(0, attempts - 1)));
    return new JsonObject().put("error", describe(failure)).put("since", since).put("attempts", attempts)
        .put("nextRetryAt", now + backoff).encode();
  }

  /** The failure in one line, without values (PostgreSQL's messages name the problem, not the data). */
  static String describe(Throwable failure) {
    if (failure instanceof PgException pg) {
      return "PostgreSQL refused the session's changes: " + pg.getErrorMessage() + " (SQLSTATE " + pg.getSqlState() + ")";
    }
    return "the session's changes could not be written: " + failure.getClass().getSimpleName()
        + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
  }

  static long since(String detail, long otherwise) {
    return detail == null ? otherwise : new JsonObject(detail).getLong("since", otherwise);
  }

  static int attempts(String detail) {
    return detail == null ? 0 : new JsonObject(detail).getInteger("attempts", 0);
  }

  static long nextRetryAt(String detail) {
    return new JsonObject(detail).getLong("nextRetryAt", 0L);
  }
}
