package io.sessiond.sync;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that Redis came back empty (a restart without persistence, a failover to an empty replica,
 * a FLUSHALL) while the daemon runs, and refills it from PostgreSQL without a restart. Every
 * {@code REFILL_CHECK_MS} it reads the store's epoch ({@link ChangeFeed#epoch}); a new epoch starts a
 * refill on this instance's {@link Refill} (requests restore their session on demand meanwhile), and
 * one instance of the fleet, holding {@code refill:<epoch>}, restores every session while the others
 * wait for its {@code refilled:<epoch>} record. A refill that dies with its instance is taken over
 * when the lock expires: restore imports never replace what Redis holds as new or newer, so running
 * one twice is harmless. Runs on the sync verticle's context.
 */
final class EpochWatch {
  private static final Logger LOG = LoggerFactory.getLogger(EpochWatch.class);
  static final String LOCK = "refill:";
  static final String DONE = "refilled:";
  private static final long DONE_TTL_MS = 7 * 24 * 3600 * 1000L;

  private final Vertx vertx;
  private final ChangeFeed feed;
  private final Restorer restorer;
  private final Refill refill;
  private final String instance;
  private final long lockMs;
  private boolean checking;
  private boolean refilling;

  EpochWatch(Vertx vertx, ChangeFeed feed, Restorer restorer, Refill refill, String instance, long lockMs) {
    this.vertx = vertx;
    this.feed = feed;
    this.restorer = restorer;
    this.refill = refill;
    this.instance = instance;
    this.lockMs = lockMs;
  }

  /** Learns the store's epoch; joins a refill the fleet is running already (this instance started in the middle of it). */
  Future<Void> start() {
    return feed.epoch(candidate()).compose(current -> {
      refill.known(current);
      return feed.locked(LOCK + current).compose(running -> {
        if (running) {
          LOG.info("Redis is being refilled from PostgreSQL by another instance; sessions are restored on demand until it ends");
          refill.begin(current);
        }
        return Future.<Void>succeededFuture();
      });
    }).recover(e -> {
      LOG.warn("Cannot read the store's epoch yet ({}); the next check will", e.getMessage());
      return Future.succeededFuture();
    });
  }

  /** One check; a check still running (a slow store) is not doubled. */
  void check() {
    checkNow();
  }

  /**
   * Checks the epoch now (also asked by a request that found no session, so a wipe is noticed at
   * once, not at the next tick); whether a refill runs afterwards.
   */
  Future<Boolean> checkNow() {
    if (checking) {
      return Future.succeededFuture(refill.active());
    }
    checking = true;
    return feed.epoch(candidate()).compose(current -> {
      String known = refill.epoch();
      if (known == null) {
        refill.known(current);
        return Future.<Void>succeededFuture();
      }
      if (!current.equals(known)) {
        LOG.warn("Redis lost its data (its epoch changed): refilling it from PostgreSQL while serving; until the refill"
            + " ends, each session is restored from PostgreSQL on first use");
        refill.begin(current);
      }
      return refill.active() ? follow(current) : Future.<Void>succeededFuture();
    }).transform(ar -> {
      checking = false;
      if (ar.failed()) {
        LOG.debug("Epoch check failed: {}", ar.cause().getMessage());
      }
      return Future.succeededFuture(refill.active());
    });
  }

  /** Ends this instance's refill once the fleet's is recorded done, or runs it when nobody does. */
  private Future<Void> follow(String epoch) {
    if (refilling) {
      return Future.succeededFuture();
    }
    return feed.getRecord(DONE + epoch).compose(done -> {
      if (!done.isEmpty()) {
        LOG.info("Redis was refilled from PostgreSQL (by {})", done.getOrDefault("by", "another instance"));
        refill.end(epoch);
        return Future.succeededFuture();
      }
      return feed.tryLock(LOCK + epoch, instance, lockMs).map(taken -> {
        if (taken) {
          run(epoch);
        }
        return null;
      });
    });
  }

  private void run(String epoch) {
    refilling = true;
    long renewer = vertx.setPeriodic(Math.max(100, lockMs / 3), id -> feed.renewLock(LOCK + epoch, instance, lockMs));
    Restorer.Progress progress = new Restorer.Progress();
    LOG.info("Refilling Redis from PostgreSQL");
    restorer.run(null, progress)
        .compose(p -> feed.putRecord(DONE + epoch, Map.of("at", Long.toString(System.currentTimeMillis()),
            "by", instance, "restored", Long.toString(p.restored.get())), DONE_TTL_MS))
        .onSuccess(v -> {
          refill.counted(progress.restored.get());
          refill.end(epoch);
          LOG.info("Redis refilled from PostgreSQL: {} sessions restored, {} already there, {} failed, in {} ms",
              progress.restored.get(), progress.skipped.get(), progress.failed.get(),
              System.currentTimeMillis() - progress.startedAt);
        })
        .onFailure(e -> LOG.warn("Refill from PostgreSQL failed ({}); it is tried again", e.getMessage()))
        .eventually(() -> {
          vertx.cancelTimer(renewer);
          refilling = false;
          return feed.unlock(LOCK + epoch, instance);
        });
  }

  private static String candidate() {
    return UUID.randomUUID().toString();
  }
}
