package io.sessiond.http;

import io.sessiond.session.SessionExport;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreRequests.DropStagedImport;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.PutResult;
import io.sessiond.store.StoreRequests.StageImportKeys;
import io.sessiond.store.StoreRequests.StagedImport;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;

/**
 * One import request, applied in bounded steps so that no step holds an event loop or the store for
 * long, whatever the import's size within {@code MAX_IMPORT_BYTES}. The document is read by an
 * {@link ImportReader} (on the bulk pool when it is large, {@link BulkWork}). An import whose keys fit one batch is
 * one store call, as before. A larger one stages its keys batch by batch (each batch is staged while
 * the next is read), then commits: the store swaps the staged keys in with the rest of the session
 * at once, so readers see the old session or the whole new one. Whatever fails on the way (a bad
 * value half-way through the document, a refusal at the commit) drops what was staged.
 */
final class ImportRun {
  /** Keys per staging call: about a millisecond of Redis, a few hundred kilobytes of arguments. */
  static final int BATCH_KEYS = 2_000;
  /** A staging call also ends once its ids and values pass this many characters. */
  static final long BATCH_CHARS = 1L << 20;

  private final RoutingContext ctx;
  private final StoreClient store;
  /** Made by the first step (on the bulk pool for a large body: opening it is itself work). */
  private ImportReader reader;
  private final boolean offLoop;
  private final BulkWork bulk;
  private final BiFunction<JsonObject, Map<String, Map<String, String>>, SessionExport> parse;
  private final String tenant;
  private final long ifMatch;
  private final long fence;
  private final Set<String> types = new LinkedHashSet<>();
  private String id;
  private String stagingId;
  private long bytes;

  /**
   * @param parse validates the document's other members (and the keys read inline) into the export
   */
  ImportRun(RoutingContext ctx, StoreClient store, BulkWork bulk,
            BiFunction<JsonObject, Map<String, Map<String, String>>, SessionExport> parse) {
    this.ctx = ctx;
    this.bulk = bulk;
    this.store = store;
    this.parse = parse;
    this.tenant = Requests.tenant(ctx);
    this.ifMatch = Requests.ifMatch(ctx);
    this.fence = Requests.fence(ctx);
    this.offLoop = BulkWork.large(ctx);
  }

  Future<PutResult> run() {
    return step(() -> {
      reader = new ImportReader(ctx.body().buffer(), BATCH_KEYS, BATCH_CHARS);
      return reader.next();
    }).compose(first -> {
      RequestDeadlines.progress(ctx);
      if (reader.done()) {
        return commit(inline(first), null);
      }
      stagingId = UUID.randomUUID().toString();
      return step(reader::sessionId)
          .compose(sessionId -> {
            id = TransferRoutes.sessionId(sessionId);
            return stageAll(first);
          })
          .compose(v -> commit(Map.of(), new StagedImport(stagingId, List.copyOf(types), bytes)))
          .recover(e -> drop().transform(ar -> Future.failedFuture(e)));
    }).onComplete(ar -> {
      if (reader != null) {
        reader.close();
      }
    });
  }

  /**
   * Stages {@code first} and every batch after it, each while the next one is read, until the
   * document ends. Each round starts the next from a callback and the last completes one promise:
   * a chain of composed futures (one per round, each returning the next round's) kept every round's
   * function, and with it the batch it had read, reachable until the import ended, some 200 MB of
   * strings for the largest import of small keys.
   */
  private Future<Void> stageAll(ImportReader.Batch first) {
    Promise<Void> done = Promise.promise();
    stageFrom(first, done);
    return done.future();
  }

  private void stageFrom(ImportReader.Batch batch, Promise<Void> done) {
    Future<Void> staged = stage(batch);
    Future<ImportReader.Batch> next = reader.done() ? Future.succeededFuture(null) : step(reader::next);
    Future.join(staged, next).onComplete(both -> {
      if (both.failed()) {
        done.fail(both.cause());
        return;
      }
      RequestDeadlines.progress(ctx);
      if (ctx.response().ended()) {
        done.fail(new IllegalStateException("the import was answered before it was applied"));
        return;
      }
      ImportReader.Batch following = next.result();
      if (following == null) {
        done.complete();
      } else {
        stageFrom(following, done);
      }
    });
  }

  private Future<Void> stage(ImportReader.Batch batch) {
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, List<String>> e : batch.pairs().entrySet()) {
      types.add(e.getKey());
      chain = chain.compose(v -> store.call(StoreAddresses.STAGE_IMPORT_KEYS,
              new StageImportKeys(tenant, id, stagingId, e.getKey(), e.getValue()))
          .map(staged -> {
            bytes += staged.bytes();
            return null;
          }));
    }
    return chain;
  }

  private Future<PutResult> commit(Map<String, Map<String, String>> inlineKeys, StagedImport staged) {
    return step(() -> parse.apply(reader.rest(), inlineKeys))
        .compose(export -> {
          if (staged != null && !export.session().id().equals(id)) {
            return Future.failedFuture(ApiException.badRequest("the export names its 'id' twice"));
          }
          return store.call(StoreAddresses.IMPORT, new ImportSession(tenant, export, ifMatch, false, 0, fence, staged));
        });
  }

  private Future<Void> drop() {
    if (id == null || types.isEmpty()) {
      return Future.succeededFuture();
    }
    return store.call(StoreAddresses.DROP_STAGED_IMPORT,
        new DropStagedImport(tenant, id, new StagedImport(stagingId, List.copyOf(types), bytes)));
  }

  /** The keys of a document that fit one batch, as the export carries them. */
  private static Map<String, Map<String, String>> inline(ImportReader.Batch batch) {
    Map<String, Map<String, String>> keys = new LinkedHashMap<>();
    batch.pairs().forEach((type, pairs) -> {
      Map<String, String> values = keys.computeIfAbsent(type, t -> new LinkedHashMap<>());
      for (int i = 0; i < pairs.size(); i += 2) {
        values.put(pairs.get(i), pairs.get(i + 1));
      }
    });
    return keys;
  }

  /** Runs a parsing step on the bulk pool when the body is large, else here. */
  private <T> Future<T> step(Callable<T> work) {
    if (offLoop) {
      return bulk.run(work);
    }
    try {
      return Future.succeededFuture(work.call());
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
  }
}
