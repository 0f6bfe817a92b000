package io.sessiond.store.file;

import io.sessiond.store.CredsHistoryContract;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreSettings;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The creds history contract on the file store, snapshotting every few records so both paths carry it. */
class FileCredsHistoryTest extends CredsHistoryContract {
  @TempDir
  Path dataDir;

  @Override
  protected SessionStore newStore(Vertx vertx, StoreSettings settings) {
    return new FileSessionStore(vertx, settings, dataDir, true, 3);
  }
}
