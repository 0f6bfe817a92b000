package io.sessiond.store.file;

import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreBackend;
import io.sessiond.store.StoreSettings;
import java.nio.file.Path;
import io.vertx.core.Vertx;

/**
 * {@code SESSION_STORE=file}: the memory store with every change journaled to {@code DATA_DIR} and
 * fsynced before the reply; one writer (the store verticle).
 */
public final class FileBackend implements StoreBackend {
  private final StoreSettings settings;
  private final Path dataDir;
  private final boolean restore;
  private final int snapshotEvery;

  public FileBackend(StoreSettings settings, Path dataDir, boolean restore, int snapshotEvery) {
    this.settings = settings;
    this.dataDir = dataDir;
    this.restore = restore;
    this.snapshotEvery = snapshotEvery;
  }

  @Override
  public SessionStore create(Vertx vertx) {
    return new FileSessionStore(vertx, settings, dataDir, restore, snapshotEvery);
  }

  @Override
  public boolean perEventLoop() {
    return false;
  }
}
