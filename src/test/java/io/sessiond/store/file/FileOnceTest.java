package io.sessiond.store.file;

import io.sessiond.store.OnceContract;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreSettings;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class FileOnceTest extends OnceContract {
  @TempDir
  Path dataDir;

  @Override
  protected SessionStore newStore(Vertx vertx, StoreSettings settings) {
    return new FileSessionStore(vertx, settings, dataDir, true, 5);
  }
}
