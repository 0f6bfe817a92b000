package io.sessiond.encryption;

import io.sessiond.store.StoreAccess;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resumes data-key rotations whose runner stopped (a replica killed or stopped in the middle of one,
 * its lease no longer renewed): looks at start, then every {@code everyMs}, and takes each such
 * rotation over from its saved cursor (compare-and-set, so one replica of the fleet wins). No client
 * has to send the {@code POST} again.
 */
final class RotationWatch extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RotationWatch.class);

  private final StoreAccess access;
  private final long everyMs;
  private SealingStoreClient client;
  private long timer = -1;
  private boolean looking;

  RotationWatch(StoreAccess access, long everyMs) {
    this.access = access;
    this.everyMs = everyMs;
  }

  @Override
  public Future<?> start() {
    return access.open(vertx).onSuccess(c -> {
      client = (SealingStoreClient) c;
      look();
      timer = vertx.setPeriodic(everyMs, t -> look());
    });
  }

  private void look() {
    if (looking) {
      return;
    }
    looking = true;
    client.resumeStoppedRotations()
        .onFailure(e -> LOG.debug("Looking for stopped data key rotations failed: {}", e.getMessage()))
        .onComplete(ar -> looking = false);
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return client == null ? Future.succeededFuture() : client.close();
  }
}
