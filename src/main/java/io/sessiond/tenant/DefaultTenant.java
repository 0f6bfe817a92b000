package io.sessiond.tenant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant an embedded daemon gets when none is declared, so a newcomer can start it with one
 * command: {@code default}, with a random key printed once. The file store keeps the key in its
 * data folder so that it survives a restart, as the sessions do.
 */
public final class DefaultTenant {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultTenant.class);
  public static final String ID = "default";
  static final String KEY_FILE = "default-tenant.key";

  private DefaultTenant() {
  }

  /**
   * A tenant list of just {@code default}; its key is read from {@code keyDir} when given and
   * present, otherwise generated (and written there when given). Blocking: start-up only.
   */
  public static List<TenantSpec> create(TenantLimits limits, Path keyDir) throws IOException {
    String key = keyDir == null ? null : readKey(keyDir.resolve(KEY_FILE));
    boolean fresh = key == null;
    if (fresh) {
      key = ApiKeys.generate();
      if (keyDir != null) {
        writeKey(keyDir, key);
      }
    }
    // Printing the key is the point here: it is the only way a newcomer learns it.
    LOG.info("No tenant is declared (TENANTS or conf/tenants.json), so tenant '{}' {} with API key: {}",
        ID, fresh ? "was created" : "is used", key);
    return List.of(new TenantSpec(ID, List.of(ApiKeys.digest(key)), limits));
  }

  private static String readKey(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file).trim() : null;
  }

  private static void writeKey(Path dir, String key) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(KEY_FILE);
    Files.writeString(file, key + "\n");
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system; the folder's own permissions apply
    }
  }
}
