package io.sessiond.store.file;

import io.sessiond.store.LeaseContract;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreSettings;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The lease contract on the file store (leases live in memory; the writes they fence are journaled). */
class FileLeaseTest extends LeaseContract {
  @TempDir
  Path dataDir;

  @Override
  protected SessionStore newStore(Vertx vertx, StoreSettings settings) {
    return new FileSessionStore(vertx, settings, dataDir, true, 5);
  }
}
