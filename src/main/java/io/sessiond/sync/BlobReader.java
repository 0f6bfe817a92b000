package io.sessiond.sync;

import io.sessiond.session.SessionExport;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests.BlobInfo;
import io.sessiond.store.StoreRequests.ReadBlobChunk;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.sync.PostgresSessionWriter.BlobCopy;
import io.sessiond.sync.PostgresSessionWriter.Upsert;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the blobs write-behind copies for one session: the blob list (names, generations) comes with
 * the session's parts from the change feed; only the blobs whose generation PostgreSQL does not
 * already hold are read from the store, chunk by chunk, by generation. When a blob is replaced
 * meanwhile, the read is {@link Moved}: a newer change is then in the feed, which copies it.
 */
final class BlobReader {
  /** The session changed between the export and the blob reads. */
  static final class Moved extends RuntimeException {
    Moved(String message) {
      super(message, null, false, false);
    }
  }

  private final StoreClient store;

  BlobReader(StoreClient store) {
    this.store = store;
  }

  /**
   * The write-behind's copies of the blobs {@code blobs} lists (read with the session's parts, so of
   * its version), reading PostgreSQL's generations on {@code conn} (the sync's transaction, which holds
   * the session's lock); {@code null} when a blob was replaced or deleted meanwhile: that change's own
   * entry, recorded later, copies the blobs.
   */
  Future<List<BlobCopy>> copies(SqlConnection conn, String tenant, String id, List<BlobInfo> blobs) {
    if (blobs.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return held(conn, tenant, id).compose(held -> copies(tenant, id, blobs, held, 0, new ArrayList<>()))
        .recover(e -> e instanceof Moved ? Future.succeededFuture(null) : Future.failedFuture(e));
  }

  private static Future<Map<String, String>> held(SqlClient client, String tenant, String id) {
    return client.preparedQuery("SELECT name, generation FROM blobs WHERE tenant = $1 AND session_id = $2")
        .execute(Tuple.of(tenant, id)).map(rows -> {
          Map<String, String> out = new HashMap<>();
          for (Row r : rows) {
            out.put(r.getString("name"), r.getString("generation"));
          }
          return out;
        });
  }

  /** One blob after the other (a changed one is read whole before the next starts). */
  private Future<List<BlobCopy>> copies(String tenant, String id, List<BlobInfo> blobs, Map<String, String> held, int i,
                                        List<BlobCopy> out) {
    if (i == blobs.size()) {
      return Future.succeededFuture(out);
    }
    BlobInfo b = blobs.get(i);
    Future<List<Buffer>> data = b.generation().equals(held.get(b.name())) ? Future.succeededFuture(null)
        : chunks(tenant, id, b, 0, new ArrayList<>());
    return data.compose(chunks -> {
      out.add(new BlobCopy(b.name(), b.generation(), b.size(), b.chunks(), chunks));
      return copies(tenant, id, blobs, held, i + 1, out);
    });
  }

  private Future<List<Buffer>> chunks(String tenant, String id, BlobInfo b, int index, List<Buffer> out) {
    if (index == b.chunks()) {
      return Future.succeededFuture(out);
    }
    return store.call(StoreAddresses.READ_BLOB_CHUNK, new ReadBlobChunk(tenant, id, b.name(), b.generation(), index))
        .recover(e -> e instanceof StoreException se && (se.failure() == StoreFailure.NOT_FOUND)
            ? Future.failedFuture(new Moved("blob " + b.name() + " of session " + id + " was replaced"))
            : Future.failedFuture(e))
        .compose(d -> {
          out.add(d.data());
          return chunks(tenant, id, b, index + 1, out);
        });
  }
}
