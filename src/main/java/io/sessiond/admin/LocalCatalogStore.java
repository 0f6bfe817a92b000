package io.sessiond.admin;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The catalog of a daemon with an embedded store: held in the process, and with the file store also
 * written to {@value #FILE} in its data folder (whole, to a temporary file then renamed, so a crash
 * leaves the old or the new catalog, never half of one). One process is the only writer, so changes are
 * serialised on the admin verticle's context; file writes run on a worker.
 */
final class LocalCatalogStore implements CatalogStore {
  static final String FILE = "tenants-catalog.json";
  private final Vertx vertx;
  private final Path file;
  private Catalog catalog = Catalog.EMPTY;

  /** @param dir the folder of the catalog file, or {@code null} to keep it in memory only */
  LocalCatalogStore(Vertx vertx, Path dir) {
    this.vertx = vertx;
    this.file = dir == null ? null : dir.resolve(FILE);
  }

  @Override
  public Future<Void> open() {
    if (file == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      if (!Files.exists(file)) {
        return Catalog.EMPTY;
      }
      JsonObject o = new JsonObject(Files.readString(file));
      Map<String, TenantDoc> docs = new HashMap<>();
      for (Object t : o.getJsonArray("tenants", new JsonArray())) {
        TenantDoc d = TenantDoc.decode(((JsonObject) t).encode());
        docs.put(d.id(), d);
      }
      return new Catalog(o.getLong("version", 0L), docs);
    }).onSuccess(c -> catalog = c).mapEmpty();
  }

  @Override
  public Future<Catalog> load() {
    return Future.succeededFuture(catalog);
  }

  @Override
  public Future<Long> version() {
    return Future.succeededFuture(catalog.version());
  }

  /** Changes run one after the other: each starts from the catalog the previous one left. */
  @Override
  public Future<Catalog> change(CatalogCommand command) {
    Future<Catalog> next = queue.transform(ar -> apply(command));
    queue = next.<Void>mapEmpty().otherwiseEmpty();
    return next;
  }

  private Future<Void> queue = Future.succeededFuture();

  private Future<Catalog> apply(CatalogCommand command) {
    List<TenantDoc> written;
    try {
      written = CatalogModel.apply(catalog, command, System.currentTimeMillis());
    } catch (AdminException e) {
      return Future.failedFuture(e);
    }
    if (written.isEmpty()) {
      return Future.succeededFuture(catalog);
    }
    Catalog next = CatalogStore.with(catalog, written, catalog.version() + 1);
    return save(next).map(v -> {
      catalog = next;
      return next;
    });
  }

  private Future<Void> save(Catalog next) {
    if (file == null) {
      return Future.succeededFuture();
    }
    JsonArray tenants = new JsonArray();
    next.tenants().values().stream().sorted(java.util.Comparator.comparing(TenantDoc::id))
        .forEach(d -> tenants.add(new JsonObject(d.encode())));
    String text = new JsonObject().put("version", next.version()).put("tenants", tenants).encodePrettily();
    return vertx.<Void>executeBlocking(() -> {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(FILE + ".tmp");
      Files.writeString(tmp, text);
      try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return null;
    }).recover(e -> Future.failedFuture(new AdminException(AdminFailure.UNAVAILABLE,
        "cannot write the tenant catalog " + file + ": " + e.getMessage(), e)));
  }
}
