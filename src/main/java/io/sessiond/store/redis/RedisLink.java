package io.sessiond.store.redis;

import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.config.RedisConfig;
import io.sessiond.store.redis.LuaScripts.Script;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.FutureInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis store's connections, plus what production needs around them.
 * <ul>
 *   <li>A few long-lived connections ({@code REDIS_POOL_SIZE}), taken in turn and shared by all
 *       requests: commands of concurrent requests are pipelined on them, which is what lets one
 *       event loop keep Redis busy (checking a connection out of a pool per request caps the
 *       requests in flight at the pool size and costs a round of bookkeeping each). A connection
 *       that closes or fails is dropped and replaced on next use.</li>
 *   <li>Getting a connection is retried a bounded number of times with exponential backoff; only
 *       that step is retried, because a command that was sent may have run.</li>
 *   <li>When the retries run out the link is marked down: requests then fail at once as UNAVAILABLE
 *       (no queueing behind a dead server) while a probe PINGs with exponential backoff and marks
 *       the link up again when Redis answers.</li>
 *   <li>Every command has a timeout; every driver failure becomes a {@link StoreException}.</li>
 *   <li>Scripts run by EVALSHA; a NOSCRIPT reply (Redis restarted, SCRIPT FLUSH, a cluster node that
 *       never saw SCRIPT LOAD) is answered by one EVAL, which also caches the script again. Once the
 *       store's function library is loaded (Redis 7, not on a cluster: {@link LuaLibrary}) they run by
 *       FCALL, and by EVALSHA again while a lost library is loaded anew.</li>
 * </ul>
 */
final class RedisLink {
  private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);

  private final Vertx vertx;
  private final RedisConfig config;
  private final Future<RedisConnection>[] slots;
  private int nextSlot;
  private Redis redis;
  private volatile boolean down;
  private volatile String downReason = "";
  private long probeBackoffMs;
  private long probeTimer = -1;
  private volatile boolean closed;
  /** Timeouts in a row, with no answer in between, after which Redis counts as down. */
  private static final int TIMEOUTS_MEANING_DOWN = 3;
  private final java.util.concurrent.atomic.AtomicInteger consecutiveTimeouts = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  /** Commands waiting for the end of the owner's current event-loop turn, and whether that is scheduled. */
  private final ArrayDeque<Runnable> turnWrites = new ArrayDeque<>();
  private boolean turnWriteScheduled;
  /** The event loop thread of the context that opened the link, and that context. */
  private Thread owner;
  private ContextInternal ownerContext;
  /** Replies awaited, in the order sent: every command has the same timeout, so also in deadline order. */
  private final Queue<AwaitedReply<?>> awaited = new ConcurrentLinkedQueue<>();
  private final long timeoutNanos;
  private long timeoutSweep = -1;
  /** Redis Cluster: a failed connection is replaced in the background rather than dropped (see {@link #broken}). */
  private final boolean cluster;
  private final java.util.Set<RedisConnection> replacing = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
  /** The function library scripts run from (FCALL), or null: EVALSHA ({@link #loadFunctions}). */
  private volatile LuaLibrary functions;

  @SuppressWarnings("unchecked")
  RedisLink(Vertx vertx, RedisConfig config) {
    this.vertx = vertx;
    this.config = config;
    // The last slot is the bulk connection (withBulk), outside the turn taken by the others.
    this.slots = new Future[config.poolSize() + 1];
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.timeoutMs());
    this.cluster = RedisConfig.CLUSTER.equals(config.mode());
  }

  boolean cluster() {
    return cluster;
  }

  /** Creates the client, checks that Redis answers with these credentials, and loads the scripts. */
  Future<Void> open(LuaScripts scripts) {
    redis = Redis.createClient(vertx, RedisClientOptions.of(config));
    if (Vertx.currentContext() instanceof ContextInternal c && c.isEventLoopContext()) {
      owner = Thread.currentThread();
      ownerContext = c.unwrap();
    }
    // A tenth of the timeout, so a timeout fires at most 10 % late; between 5 and 100 ms.
    timeoutSweep = vertx.setPeriodic(Math.max(5, Math.min(100, config.timeoutMs() / 10)), id -> sweepTimeouts());
    return redis.connect()
        .compose(conn -> ping(conn).compose(v -> loadScripts(conn, scripts)).andThen(ar -> conn.close()))
        .recover(e -> Future.failedFuture(new StoreException(StoreFailure.UNAVAILABLE, RedisFailures.openFailure(config, e), e)))
        .timeout(config.connectTimeoutMs() + config.timeoutMs(), TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(e instanceof TimeoutException
            ? new StoreException(StoreFailure.UNAVAILABLE, "Redis at " + config.describe() + " did not answer within "
            + (config.connectTimeoutMs() + config.timeoutMs()) + " ms")
            : e));
  }

  /** Refuses new requests, lets those in flight finish (at most one request timeout), then closes. */
  Future<Void> close() {
    closed = true;
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
    }
    return drained(System.currentTimeMillis() + config.timeoutMs()).compose(v -> {
      vertx.cancelTimer(timeoutSweep);
      return closeConnections();
    });
  }

  private Future<Void> drained(long deadline) {
    if (inFlight.get() == 0 || System.currentTimeMillis() >= deadline) {
      return Future.succeededFuture();
    }
    return vertx.timer(10).compose(t -> drained(deadline));
  }

  private Future<Void> closeConnections() {
    List<Future<Void>> closing = new ArrayList<>();
    synchronized (slots) {
      for (int i = 0; i < slots.length; i++) {
        if (slots[i] != null && slots[i].succeeded()) {
          closing.add(slots[i].result().close());
        }
        slots[i] = null;
      }
    }
    return Future.join(closing).transform(ar -> redis == null ? Future.succeededFuture() : redis.close());
  }

  boolean isDown() {
    return down;
  }

  /**
   * Runs {@code work} on one of the shared connections. Commands it sends in order run in order;
   * commands of other requests may be pipelined in between.
   */
  <T> Future<T> with(Function<RedisConnection, Future<T>> work) {
    return on(-1, work);
  }

  /**
   * {@link #with}, on a connection kept for bulk commands (multi-megabyte arguments: a staged import
   * batch, a large key batch, PUT or append). Redis runs one command at a time whatever the
   * connection, but on a shared connection a small command of another request is also queued behind
   * the bulk command's bytes on the socket and behind its parsing by Redis; here it is not.
   */
  <T> Future<T> withBulk(Function<RedisConnection, Future<T>> work) {
    return on(slots.length - 1, work);
  }

  /** Whether commands with these arguments are bulk ({@link #withBulk}): past {@link #BULK_CHARS} characters in all. */
  static boolean bulk(List<String> args) {
    long chars = 0;
    for (String a : args) {
      chars += a.length();
      if (chars > BULK_CHARS) {
        return true;
      }
    }
    return false;
  }

  /** Arguments past this many characters make a command bulk. */
  static final long BULK_CHARS = 64 * 1024;

  /** {@code fixedSlot} -1: the next shared connection in turn. */
  private <T> Future<T> on(int fixedSlot, Function<RedisConnection, Future<T>> work) {
    if (closed) {
      return Future.failedFuture(new StoreException(StoreFailure.UNAVAILABLE, "the Redis store is closed"));
    }
    if (down) {
      return Future.failedFuture(new StoreException(StoreFailure.UNAVAILABLE,
          "Redis at " + config.describe() + " is unreachable (" + downReason + "); reconnecting"));
    }
    int slot;
    Future<RedisConnection> connection;
    synchronized (slots) {
      slot = fixedSlot >= 0 ? fixedSlot : pickSlot();
      if (slot < 0) {
        return Future.failedFuture(new StoreException(StoreFailure.UNAVAILABLE,
            "too many Redis requests in flight (" + config.maxPipelined() + " per connection); try again"));
      }
      connection = slots[slot];
      if (connection == null || connection.failed()) {
        connection = connect(0).andThen(ar -> {
          if (ar.succeeded()) {
            watch(ar.result());
          }
        });
        slots[slot] = connection;
      }
    }
    inFlight.incrementAndGet();
    // A connection that is up runs the work at once, without one more future in between.
    if (connection.succeeded()) {
      return run(connection.result(), work);
    }
    return connection.compose(conn -> run(conn, work), e -> {
      inFlight.decrementAndGet();
      return Future.failedFuture(e);
    });
  }

  private <T> Future<T> run(RedisConnection conn, Function<RedisConnection, Future<T>> work) {
    Future<T> result;
    try {
      result = work.apply(conn);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.onComplete(ar -> {
      inFlight.decrementAndGet();
      if (ar.failed() && RedisFailures.brokeTheConnection(ar.cause())) {
        broken(conn);
      }
    });
  }

  /**
   * A connection failed. On a single Redis it is dropped and the next request opens a new one. On a
   * cluster the connection is a set of node connections routed by slot, and the failure is one
   * node's (a master that died): the connection keeps serving the other nodes' slots, and the
   * driver sends the dead node's slots to its successor once the slot map shows it, while a
   * replacement is opened in the background and swapped in once every node in the map answers.
   */
  private void broken(RedisConnection conn) {
    if (!cluster) {
      drop(conn);
      return;
    }
    synchronized (slots) {
      if (closed || !replacing.add(conn)) {
        return;
      }
    }
    replace(conn, config.retryBackoffMs());
  }

  private void replace(RedisConnection conn, long backoffMs) {
    vertx.setTimer(backoffMs, t -> redis.connect().onComplete(ar -> {
      boolean swapped = false;
      synchronized (slots) {
        for (int i = 0; ar.succeeded() && !closed && i < slots.length; i++) {
          if (slots[i] != null && slots[i].succeeded() && slots[i].result() == conn) {
            slots[i] = Future.succeededFuture(ar.result());
            swapped = true;
          }
        }
      }
      if (ar.succeeded()) {
        if (swapped) {
          watch(ar.result());
          conn.close();
          LOG.info("Redis cluster connection renewed after a node failure");
        } else {
          ar.result().close();
        }
      }
      if (ar.failed() && !closed && inUse(conn)) {
        replace(conn, Math.min(backoffMs * 2, config.reconnectMaxBackoffMs()));
      } else {
        synchronized (slots) {
          replacing.remove(conn);
        }
      }
    }));
  }

  private boolean inUse(RedisConnection conn) {
    synchronized (slots) {
      for (Future<RedisConnection> f : slots) {
        if (f != null && f.succeeded() && f.result() == conn) {
          return true;
        }
      }
      return false;
    }
  }

  /** The next slot in turn whose connection can take one more request; -1 when all are full. */
  private int pickSlot() {
    int shared = slots.length - 1;
    for (int tried = 0; tried < shared; tried++) {
      int i = nextSlot;
      nextSlot = (nextSlot + 1) % shared;
      Future<RedisConnection> f = slots[i];
      if (f == null || !f.succeeded() || !f.result().pendingQueueFull()) {
        return i;
      }
    }
    return -1;
  }

  /** Forgets a connection once it closes or fails, so the next request on its slot opens a new one. */
  private void watch(RedisConnection conn) {
    conn.exceptionHandler(e -> broken(conn));
    conn.endHandler(v -> broken(conn));
  }

  private void forgetConnections() {
    synchronized (slots) {
      for (int i = 0; i < slots.length; i++) {
        if (slots[i] != null && slots[i].succeeded()) {
          slots[i].result().close();
        }
        slots[i] = null;
      }
    }
  }

  private void drop(RedisConnection conn) {
    synchronized (slots) {
      for (int i = 0; i < slots.length; i++) {
        if (slots[i] != null && slots[i].succeeded() && slots[i].result() == conn) {
          slots[i] = null;
          conn.close();
        }
      }
    }
  }

  /** One command, with the timeout and failure translation. */
  Future<Response> send(RedisConnection conn, Request request) {
    return timed(write(conn, request), true);
  }

  /**
   * The request timeout, and what timeouts say about Redis: a few in a row with no answer in between
   * mean Redis is hung (a stopped process, a runaway script) rather than slow, so the link is marked
   * down and later requests fail at once instead of each waiting out its timeout. Replies are not
   * given a timer each (scheduling and cancelling one per command costs more than the command's own
   * bookkeeping); they wait in {@link #awaited}, oldest first, and a periodic sweep fails those past
   * their deadline, so a timeout fires up to one sweep interval late.
   */
  private <T> Future<T> timed(Future<T> reply) {
    return timed(reply, false);
  }

  /**
   * {@link #timed(Future)}; with {@code translate}, failures reach the caller as {@link RedisFailures#translate}
   * makes them, in the same future (no {@code recover} stage after it).
   */
  private <T> Future<T> timed(Future<T> reply, boolean translate) {
    ContextInternal context = reply instanceof FutureInternal<T> f ? f.context() : null;
    AwaitedReply<T> awaited = new AwaitedReply<>(System.nanoTime() + timeoutNanos,
        context == null ? Promise.promise() : context.promise(), translate);
    this.awaited.add(awaited);
    reply.onComplete(awaited);
    return awaited.promise.future();
  }

  /**
   * Commands sent together in one write, none of another request's in between (MULTI ... EXEC), with
   * the timeout and failure translation of {@link #send}.
   */
  Future<List<Response>> batch(RedisConnection conn, List<Request> requests) {
    return timed(conn.batch(requests), true);
  }

  /** A reply not yet received, and when it stops being worth waiting for. */
  private final class AwaitedReply<T> implements Handler<AsyncResult<T>> {
    final long deadline;
    final Promise<T> promise;
    final boolean translate;

    AwaitedReply(long deadline, Promise<T> promise, boolean translate) {
      this.deadline = deadline;
      this.promise = promise;
      this.translate = translate;
    }

    /** Fails the reply unless it is complete; whether this call failed it. */
    boolean fail(Throwable cause) {
      return !promise.future().isComplete()
          && promise.tryFail(translate ? RedisFailures.translate(config.timeoutMs(), cause) : cause);
    }

    @Override
    public void handle(AsyncResult<T> ar) {
      if (ar.failed()) {
        fail(ar.cause());
      } else if (promise.tryComplete(ar.result())) {
        consecutiveTimeouts.set(0);
      }
    }

    boolean expired(long now) {
      return now - deadline >= 0;
    }
  }

  /** Drops answered replies from the head of {@link #awaited} and fails those past their deadline. */
  private void sweepTimeouts() {
    long now = System.nanoTime();
    AwaitedReply<?> head;
    while ((head = awaited.peek()) != null && (head.promise.future().isComplete() || head.expired(now))) {
      awaited.poll();
      // Most heads were answered: only an expired one is worth an exception (and its stack trace).
      if (!head.promise.future().isComplete() && head.fail(new TimeoutException("no reply within " + config.timeoutMs() + " ms"))
          && consecutiveTimeouts.incrementAndGet() >= TIMEOUTS_MEANING_DOWN) {
        markDown(new TimeoutException());
      }
    }
  }

  /**
   * Sends a command. On the owning event loop it is written at the end of the current turn, together
   * with every other command of that turn: the event loop handles a whole batch of HTTP requests in a
   * turn, and commands that reach Redis together are read and answered by Redis in one go, where
   * commands written one request apart cost Redis a read, a write and an event-loop turn each.
   * Commands keep their order; the reply is delivered on the caller's context.
   */
  private Future<Response> write(RedisConnection conn, Request request) {
    if (Thread.currentThread() != owner) {
      return conn.send(request);
    }
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    Promise<Response> reply = caller.promise();
    turnWrites.add(() -> {
      try {
        conn.send(request).onComplete(reply);
      } catch (RuntimeException e) {
        reply.tryFail(e);
      }
    });
    if (!turnWriteScheduled) {
      turnWriteScheduled = true;
      ownerContext.runOnContext(v -> writeTurn());
    }
    return reply.future();
  }

  private void writeTurn() {
    turnWriteScheduled = false;
    Runnable w;
    while ((w = turnWrites.poll()) != null) {
      w.run();
    }
  }

  /**
   * Runs a script: by FCALL when the function library is loaded and has it, otherwise by SHA, falling
   * back to EVAL once after NOSCRIPT. Arguments are strings, or {@link io.vertx.core.buffer.Buffer}s
   * for binary values (blob chunks).
   */
  Future<Response> eval(RedisConnection conn, Script script, String key, List<?> args) {
    return eval(conn, script, List.of(key), args);
  }

  /** {@link #eval(RedisConnection, Script, String, List)} with several keys (all of one cluster slot). */
  Future<Response> eval(RedisConnection conn, Script script, List<String> keys, List<?> args) {
    LuaLibrary lib = functions;
    String function = lib == null ? null : lib.function(script);
    if (function == null) {
      return evalsha(conn, script, keys, args);
    }
    return timed(write(conn, scriptRequest(Command.FCALL, function, keys, args)))
        .recover(e -> {
          // Redis lost the library (restarted without persistence, FUNCTION FLUSH): this call and those
          // until it is loaded again run by EVALSHA.
          if (e.getMessage() != null && e.getMessage().startsWith("ERR Function not found")) {
            reloadFunctions(lib);
            return evalsha(conn, script, keys, args);
          }
          return Future.failedFuture(RedisFailures.translate(config.timeoutMs(), e));
        });
  }

  /**
   * Loads the function library (FUNCTION LOAD REPLACE) and runs its scripts by FCALL from then on.
   * Where Redis refuses it (before 7.0, an ACL without FUNCTION) the scripts go on running by EVALSHA;
   * this never fails.
   */
  Future<Void> loadFunctions(LuaLibrary lib) {
    return with(conn -> send(conn, Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg(lib.source)))
        .transform(ar -> {
          if (ar.succeeded()) {
            functions = lib;
            LOG.info("Redis function library {} loaded: scripts run by FCALL", lib.name);
          } else {
            String why = String.valueOf(ar.cause().getMessage());
            if (why.toLowerCase(java.util.Locale.ROOT).contains("unknown command")) {
              LOG.info("Redis at {} has no functions (before 7.0): scripts run by EVALSHA", config.describe());
            } else {
              LOG.warn("Redis at {} refused the function library ({}): scripts run by EVALSHA", config.describe(), why);
            }
          }
          return Future.succeededFuture();
        });
  }

  private void reloadFunctions(LuaLibrary lib) {
    synchronized (this) {
      if (functions != lib) {
        return; // already being reloaded
      }
      functions = null;
    }
    LOG.info("Redis lost function library {}; loading it again", lib.name);
    loadFunctions(lib);
  }

  /**
   * The command that runs {@code script} as {@link #eval} would first try it (FCALL or EVALSHA), to be sent
   * inside a MULTI ... EXEC; when its reply says Redis lost the script, {@link #scriptLost} loads it again.
   */
  Request scriptRequest(Script script, List<String> keys, List<?> args) {
    LuaLibrary lib = functions;
    String function = lib == null ? null : lib.function(script);
    return function == null ? scriptRequest(Command.EVALSHA, script.sha(), keys, args)
        : scriptRequest(Command.FCALL, function, keys, args);
  }

  /**
   * Redis answered {@code error} to a {@link #scriptRequest}: a lost function library is loaded again
   * (scripts run by EVALSHA meanwhile), and the script is loaded for EVALSHA.
   */
  Future<Void> scriptLost(Script script, String error) {
    LuaLibrary lib = functions;
    if (lib != null && error.startsWith("ERR Function not found")) {
      reloadFunctions(lib);
    }
    return with(conn -> send(conn, Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.source()))).mapEmpty();
  }

  private Future<Response> evalsha(RedisConnection conn, Script script, List<String> keys, List<?> args) {
    return timed(write(conn, scriptRequest(Command.EVALSHA, script.sha(), keys, args)))
        .recover(e -> {
          if (e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")) {
            LOG.info("Redis lost script {}; loading it again", script.name());
            return send(conn, scriptRequest(Command.EVAL, script.source(), keys, args));
          }
          return Future.failedFuture(RedisFailures.translate(config.timeoutMs(), e));
        });
  }

  private static Request scriptRequest(Command command, String scriptOrSha, List<String> keys, List<?> args) {
    // EVAL, EVALSHA and FCALL take the same arguments: the script (its SHA, the function's name), the keys, the values.
    Request r = Request.cmd(command).arg(scriptOrSha).arg(keys.size());
    keys.forEach(r::arg);
    for (Object a : args) {
      if (a instanceof io.vertx.core.buffer.Buffer b) {
        r.arg(b);
      } else {
        r.arg((String) a);
      }
    }
    return r;
  }

  private Future<RedisConnection> connect(int attempt) {
    return connectWithin(config.connectTimeoutMs())
        .recover(e -> Future.failedFuture(e instanceof TimeoutException
            ? new StoreException(StoreFailure.UNAVAILABLE, "Redis at " + config.describe()
            + " did not complete a connection within " + config.connectTimeoutMs() + " ms", e)
            : e))
        .recover(e -> {
          // Only a failed connection is retried and counts as Redis being down; a full pool wait
          // queue is overload, answered at once.
          if (down || closed || !RedisFailures.isConnectFailure(e)) {
            return Future.failedFuture(RedisFailures.translate(config.timeoutMs(), e));
          }
          if (attempt >= config.retries()) {
            markDown(e);
            return Future.failedFuture(RedisFailures.translate(config.timeoutMs(), e));
          }
          long delay = config.retryBackoffMs() << Math.min(attempt, 16);
          Promise<RedisConnection> retried = Promise.promise();
          vertx.setTimer(delay, t -> connect(attempt + 1).onComplete(retried));
          return retried.future();
        });
  }

  /**
   * A connection from the client's pool within {@code timeoutMs}. One that arrives after the timeout
   * (a Redis that was frozen answers the handshake once thawed) is closed at once: kept by nobody, it
   * would hold a place in the pool for ever, and a few of them leave the pool, and so the probe that
   * ends an outage, waiting without end.
   */
  private Future<RedisConnection> connectWithin(long timeoutMs) {
    Promise<RedisConnection> result = Promise.promise();
    long timer = vertx.setTimer(timeoutMs, t -> result.tryFail(new TimeoutException("Timeout " + timeoutMs + " (ms) fired")));
    redis.connect().onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.failed()) {
        result.tryFail(ar.cause());
      } else if (!result.tryComplete(ar.result())) {
        ar.result().close();
      }
    });
    return result.future();
  }

  private synchronized void markDown(Throwable cause) {
    if (down || closed) {
      return;
    }
    downReason = cause instanceof TimeoutException ? "no answer within " + config.timeoutMs() + " ms" : RedisFailures.describe(cause);
    down = true;
    consecutiveTimeouts.set(0);
    probeBackoffMs = config.retryBackoffMs();
    LOG.warn("Redis at {} is unreachable ({}); failing requests fast and reconnecting", config.describe(), downReason);
    scheduleProbe();
  }

  private void scheduleProbe() {
    probeTimer = vertx.setTimer(probeBackoffMs, t -> connectWithin(config.connectTimeoutMs())
        .compose(conn -> ping(conn).andThen(ar -> conn.close()))
        .timeout(config.connectTimeoutMs() + config.timeoutMs(), TimeUnit.MILLISECONDS)
        .onSuccess(v -> {
          forgetConnections(); // opened before the outage: start afresh rather than fail once on each
          synchronized (this) {
            down = false;
            probeTimer = -1;
          }
          LOG.info("Redis at {} is reachable again", config.describe());
        })
        .onFailure(e -> {
          if (!closed) {
            probeBackoffMs = Math.min(probeBackoffMs * 2, config.reconnectMaxBackoffMs());
            scheduleProbe();
          }
        }));
  }

  private static Future<Void> ping(RedisConnection conn) {
    return conn.send(Request.cmd(Command.PING)).mapEmpty();
  }

  private Future<Void> loadScripts(RedisConnection conn, LuaScripts scripts) {
    List<Future<Response>> loads = new ArrayList<>();
    for (Script s : scripts.all()) {
      loads.add(conn.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(s.source())));
    }
    return Future.all(loads).mapEmpty();
  }
}
