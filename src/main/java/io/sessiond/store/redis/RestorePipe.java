package io.sessiond.store.redis;

import io.sessiond.config.RedisConfig;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import io.vertx.redis.client.impl.ParserHandler;
import io.vertx.redis.client.impl.RESPParser;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Connections of their own for restores on a single Redis ({@code REDIS_MODE=standalone}): commands
 * are written as RESP bytes the caller has encoded (one buffer for many commands), and the replies are
 * counted off in order, with no request object, promise or reply object per command as the shared
 * connections ({@link RedisLink}) have. A connection is taken for one exchange of several round trips
 * ({@link #take}; WATCH state is per connection) and given back ({@link #release}). At most
 * {@link #CONNECTIONS} are open; a failed one is closed and a new one opened on the next take. Every
 * exchange step has the store's request timeout; a connection that times out is closed.
 */
final class RestorePipe {
  /** Open connections at most: as many as a restore has store requests in flight (256 sessions, 32 a request). */
  static final int CONNECTIONS = 8;
  private static final Buffer CRLF = Buffer.buffer("\r\n");

  private final Vertx vertx;
  private final RedisConfig config;
  private final String host;
  private final int port;
  private NetClient client;
  private Context context;
  private int open;
  private final ArrayDeque<Conn> idle = new ArrayDeque<>();
  private final ArrayDeque<Promise<Conn>> waiting = new ArrayDeque<>();

  private RestorePipe(Vertx vertx, RedisConfig config, String host, int port) {
    this.vertx = vertx;
    this.config = config;
    this.host = host;
    this.port = port;
  }

  /** The pipe for this configuration, or null where it does not apply (Sentinel and Cluster). */
  static RestorePipe of(Vertx vertx, RedisConfig config) {
    if (!RedisConfig.STANDALONE.equals(config.mode())) {
      return null;
    }
    URI uri = URI.create(config.endpoints().get(0));
    return new RestorePipe(vertx, config, uri.getHost() == null ? "localhost" : uri.getHost(),
        uri.getPort() < 0 ? 6379 : uri.getPort());
  }

  /**
   * A connection of this pipe for the caller alone until {@link #release}; opened when none is idle. The
   * pipe's state and its connections live on one context (the first caller's: the store's).
   */
  Future<Conn> take() {
    if (context == null) {
      context = vertx.getOrCreateContext();
    }
    if (Vertx.currentContext() == context) {
      return taken();
    }
    Promise<Conn> on = Promise.promise();
    context.runOnContext(v -> taken().onComplete(on));
    return on.future();
  }

  private Future<Conn> taken() {
    Conn c = idle.poll();
    if (c != null) {
      return Future.succeededFuture(c);
    }
    if (open < CONNECTIONS) {
      open++;
      return connect().onFailure(e -> {
        open--;
        next();
      });
    }
    Promise<Conn> later = Promise.promise();
    waiting.add(later);
    return later.future();
  }

  /** Gives a taken connection back (a broken one is dropped). */
  void release(Conn c) {
    if (Vertx.currentContext() != context) {
      context.runOnContext(v -> release(c));
      return;
    }
    if (c.broken) {
      open--;
      next();
      return;
    }
    Promise<Conn> w = waiting.poll();
    if (w != null) {
      w.complete(c);
    } else {
      idle.add(c);
    }
  }

  private void next() {
    Promise<Conn> w = waiting.poll();
    if (w != null) {
      taken().onComplete(w);
    }
  }

  void close() {
    List<Conn> open = new ArrayList<>(idle);
    idle.clear();
    open.forEach(c -> c.socket.close());
    if (client != null) {
      client.close();
    }
  }

  private Future<Conn> connect() {
    if (client == null) {
      client = vertx.createNetClient(RedisClientOptions.of(config).getNetClientOptions());
    }
    return client.connect(port, host).compose(socket -> {
      Conn c = new Conn(socket);
      if (config.password() == null) {
        return Future.succeededFuture(c);
      }
      Buffer auth = Buffer.buffer();
      if (config.username() == null) {
        array(auth, 2).bulk(auth, "AUTH").bulk(auth, config.password());
      } else {
        array(auth, 3).bulk(auth, "AUTH").bulk(auth, config.username()).bulk(auth, config.password());
      }
      return c.send(auth, 1).compose(r -> {
        Response ok = r.get(0);
        if (ok == null || ok.type() == ResponseType.ERROR) {
          c.socket.close();
          return Future.failedFuture(new StoreException(StoreFailure.UNAVAILABLE, "Redis refused the restore connection's AUTH: " + ok));
        }
        return Future.succeededFuture(c);
      });
    }).recover(e -> Future.failedFuture(e instanceof StoreException ? e
        : new StoreException(StoreFailure.UNAVAILABLE, "restore connection to Redis failed: " + e.getMessage(), e)));
  }

  /** One connection: the replies come back in the order the exchanges were written. */
  final class Conn implements ParserHandler {
    private final NetSocket socket;
    private final RESPParser parser = new RESPParser(this, 16);
    private final ArrayDeque<Awaited> awaited = new ArrayDeque<>();
    boolean broken;

    private Conn(NetSocket socket) {
      this.socket = socket;
      socket.handler(parser);
      socket.exceptionHandler(e -> broke(e));
      socket.closeHandler(v -> broke(new StoreException(StoreFailure.UNAVAILABLE, "the restore connection to Redis closed")));
    }

    /** Writes {@code commands} and completes with the next {@code replies} replies (a nil reply as null). */
    Future<List<Response>> send(Buffer commands, int replies) {
      if (broken) {
        return Future.failedFuture(new StoreException(StoreFailure.UNAVAILABLE, "the restore connection to Redis closed"));
      }
      Awaited a = new Awaited(replies);
      awaited.add(a);
      a.timer = vertx.setTimer(config.timeoutMs(), id -> {
        if (!a.promise.future().isComplete()) {
          socket.close();
          broke(new StoreException(StoreFailure.UNAVAILABLE, "Redis did not answer a restore within " + config.timeoutMs() + " ms"));
        }
      });
      socket.write(commands);
      return a.promise.future();
    }

    @Override
    public void handle(Response reply) {
      Awaited a = awaited.peek();
      if (a == null) {
        return;
      }
      a.got.add(reply);
      if (a.got.size() == a.expected) {
        awaited.poll();
        vertx.cancelTimer(a.timer);
        a.promise.tryComplete(a.got);
      }
    }

    @Override
    public void fail(Throwable t) {
      socket.close();
      broke(t);
    }

    private void broke(Throwable e) {
      broken = true;
      Awaited a;
      while ((a = awaited.poll()) != null) {
        vertx.cancelTimer(a.timer);
        a.promise.tryFail(e instanceof StoreException ? e : new StoreException(StoreFailure.UNAVAILABLE,
            "restore connection to Redis failed: " + e.getMessage(), e));
      }
      if (idle.remove(this)) {
        open--;
      }
    }
  }

  private static final class Awaited {
    final int expected;
    final List<Response> got;
    final Promise<List<Response>> promise = Promise.promise();
    long timer;

    Awaited(int expected) {
      this.expected = expected;
      this.got = new ArrayList<>(expected);
    }
  }

  // RESP encoding, straight into the buffer.

  static final Resp RESP = new Resp();

  static Resp array(Buffer b, int n) {
    b.appendByte((byte) '*').appendString(Integer.toString(n)).appendBuffer(CRLF);
    return RESP;
  }

  /** Writes RESP into a buffer; returns itself to chain. */
  static final class Resp {
    Resp bulk(Buffer b, String s) {
      return bulk(b, s.getBytes(StandardCharsets.UTF_8));
    }

    Resp bulk(Buffer b, byte[] v) {
      b.appendByte((byte) '$').appendString(Integer.toString(v.length)).appendBuffer(CRLF).appendBytes(v).appendBuffer(CRLF);
      return this;
    }

    Resp bulk(Buffer b, long n) {
      return bulk(b, Long.toString(n).getBytes(StandardCharsets.US_ASCII));
    }

    /** A key: {@code base} followed by {@code suffix}. */
    Resp key(Buffer b, byte[] base, byte[] suffix) {
      b.appendByte((byte) '$').appendString(Integer.toString(base.length + suffix.length)).appendBuffer(CRLF)
          .appendBytes(base).appendBytes(suffix).appendBuffer(CRLF);
      return this;
    }
  }
}
