package io.sessiond.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.TSFBuilder;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;

/**
 * Where the work of a large request body is done: parsing, checking and encoding a body over
 * {@link #THRESHOLD} bytes runs on a small worker pool of its own ({@link #POOL}, shared by every
 * HTTP verticle of the daemon), never on an event loop and never on the default worker pool. The
 * pool has a quarter of the cores (one on a 2-core machine), so the largest requests of every tenant
 * together take at most that share of the CPU, queued in arrival order, and the event loops stay free
 * for the small requests of everyone else. A small body is read where it is used, which costs less
 * than the hand-off.
 */
final class BulkWork implements AutoCloseable {
  /** Bodies larger than this are bulk work. */
  static final int THRESHOLD = 64 * 1024;
  /** The name of the shared worker pool (Vert.x shares a pool between executors of one name). */
  static final String POOL = "sessiond-bulk";
  /** Threads of the pool: a quarter of the cores, at least one. */
  static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors() / 4);

  private final WorkerExecutor executor;

  BulkWork(Vertx vertx) {
    this.executor = vertx.createSharedWorkerExecutor(POOL, THREADS);
  }

  /** Whether {@code body} is large enough to be bulk work. */
  static boolean large(Buffer body) {
    return body != null && body.length() > THRESHOLD;
  }

  /**
   * The bytes of {@code body} without copying them when it is a heap buffer that starts its array (a
   * body handler's is): the first {@code body.length()} bytes of the array returned, which may be
   * longer. Copying a 32 MiB import took a 32 MiB allocation and a copy on every read of it.
   */
  static byte[] bytes(Buffer body) {
    if (body instanceof BufferInternal internal) {
      ByteBuf b = internal.getByteBuf();
      if (b.hasArray() && b.arrayOffset() == 0) {
        return b.array();
      }
    }
    return body.getBytes();
  }

  /** Whether the request's body is bulk work. */
  static boolean large(RoutingContext ctx) {
    return ctx.body() != null && large(ctx.body().buffer());
  }

  /**
   * Runs {@code work} on the bulk pool, its result delivered on the caller's context; unordered, so
   * the steps of one request never wait for another request of the same connection.
   */
  <T> Future<T> run(Callable<T> work) {
    return executor.executeBlocking(() -> {
      lowerPriority();
      return work.call();
    }, false);
  }

  /**
   * The pool's threads run at {@link Thread#MIN_PRIORITY}: with {@code -XX:ThreadPriorityPolicy=1} (the run command's,
   * README "Running it") the JVM gives them a higher nice value ({@code -XX:JavaPriority1_To_OSPriority}), so that on a
   * busy machine the scheduler runs an event loop that has work before them. Without that option a Java priority does
   * nothing on Linux, and this costs one comparison per task.
   */
  private static void lowerPriority() {
    Thread t = Thread.currentThread();
    if (t.getPriority() != Thread.MIN_PRIORITY) {
      t.setPriority(Thread.MIN_PRIORITY);
    }
  }

  /** {@code work} on the bulk pool when the request's body is large, else here and now. */
  <T> Future<T> forBody(RoutingContext ctx, Callable<T> work) {
    if (large(ctx)) {
      return run(work);
    }
    try {
      return Future.succeededFuture(work.call());
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * A parser factory for large bodies, from the builder of the one used for small ones: the same
   * limits and features, but member names are not interned. A large body names thousands to millions
   * of distinct members (key ids, map entries); interning each ({@link String#intern}, the JVM's
   * table, shared by the whole process) was four fifths of the parse time of a 32 MiB import of small
   * keys (1.35 s of CPU, 0.25 s without), and the names are of no use to the next request anyway.
   * Names are still canonicalized per parser: without that Jackson falls back to a char-based parser,
   * and the key readers slice values by byte offset.
   */
  static JsonFactory uninterned(TSFBuilder<?, ?> builder) {
    return builder.disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build();
  }

  @Override
  public void close() {
    executor.close();
  }
}
