package io.sessiond.store.memory;

import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreBackend;
import io.sessiond.store.StoreSettings;
import io.vertx.core.Vertx;

/** {@code SESSION_STORE=memory}: sessions in the process's heap, one writer (the store verticle). */
public final class MemoryBackend implements StoreBackend {
  private final StoreSettings settings;

  public MemoryBackend(StoreSettings settings) {
    this.settings = settings;
  }

  @Override
  public SessionStore create(Vertx vertx) {
    return new MemorySessionStore(settings);
  }

  @Override
  public boolean perEventLoop() {
    return false;
  }
}
