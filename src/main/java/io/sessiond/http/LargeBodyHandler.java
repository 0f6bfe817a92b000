package io.sessiond.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.impl.RoutingContextInternal;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a request body whole, as Vert.x's {@link BodyHandler} does (same limit, 413 before or while
 * reading, 100-continue), but a large one without growing one buffer on the event loop. Vert.x's
 * handler starts at 64 KiB and grows by Netty's rule (doubling to 4 MiB, then 4 MiB at a time): a
 * 32 MiB import was reallocated and copied 13 times on the event loop, the last seven 8 to 32 MiB
 * each (about 140 MB of humongous allocations and 110 MB copied per import). Here the chunks are
 * copied as they arrive into blocks of {@link #BLOCK} bytes, so the loop copies each byte once and
 * allocates only what has arrived (a client announcing a large Content-Length and sending nothing
 * costs nothing), and the blocks are joined into one array on the bulk pool ({@link BulkWork}).
 * A body whose Content-Length is at most {@link BulkWork#THRESHOLD} goes to Vert.x's handler, which
 * reads it into one buffer of its size.
 */
final class LargeBodyHandler implements Handler<RoutingContext> {
  /**
   * Bytes per block: a heap region of a 512 MiB heap less an array header, so that on such a heap a
   * block is a humongous object of exactly one region (never copied by a young collection), and on a
   * larger heap an ordinary allocation.
   */
  static final int BLOCK = (1 << 20) - 16;

  private final BodyHandler small;
  private final long limit;
  private final BulkWork bulk;

  LargeBodyHandler(long limit, BulkWork bulk) {
    this.limit = limit;
    this.bulk = bulk;
    this.small = BodyHandler.create(false).setBodyLimit(limit).setHandleFileUploads(false);
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    long length = contentLength(request);
    boolean chunked = request.version() == HttpVersion.HTTP_2
        || request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    RoutingContextInternal internal = (RoutingContextInternal) ctx;
    if ((length >= 0 && length <= BulkWork.THRESHOLD) || (length < 0 && !chunked)
        || internal.seenHandler(RoutingContextInternal.BODY_HANDLER)) {
      small.handle(ctx);
      return;
    }
    internal.visitHandler(RoutingContextInternal.BODY_HANDLER);
    if (limit >= 0 && length > limit) {
      ctx.fail(413);
      return;
    }
    String expect = request.getHeader(HttpHeaders.EXPECT);
    if (expect != null) {
      if (!expect.equalsIgnoreCase("100-continue") || request.version() == HttpVersion.HTTP_1_0) {
        ctx.fail(417);
        return;
      }
      ctx.response().writeContinue();
    }
    if (request.isEnded()) {
      ctx.fail(new IllegalStateException("the request ended before its body was read"));
      return;
    }
    Blocks blocks = new Blocks(ctx);
    request.exceptionHandler(blocks::failed).handler(blocks::append).endHandler(v -> blocks.end()).resume();
  }

  private static long contentLength(HttpServerRequest request) {
    String header = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (header == null || header.isEmpty()) {
      return -1;
    }
    try {
      long n = Long.parseLong(header);
      return n < 0 ? -1 : n;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The body read so far: full blocks, and the block being filled. */
  private final class Blocks {
    private final RoutingContext ctx;
    private final List<byte[]> full = new ArrayList<>();
    private byte[] current;
    private int used;
    private long size;
    private boolean failed;

    Blocks(RoutingContext ctx) {
      this.ctx = ctx;
    }

    void append(Buffer chunk) {
      if (failed) {
        return;
      }
      size += chunk.length();
      if (limit >= 0 && size > limit) {
        failed = true;
        full.clear();
        current = null;
        ctx.fail(413);
        return;
      }
      int from = 0;
      while (from < chunk.length()) {
        if (current == null || used == current.length) {
          if (current != null) {
            full.add(current);
          }
          current = new byte[BLOCK];
          used = 0;
        }
        int n = Math.min(chunk.length() - from, current.length - used);
        chunk.getBytes(from, from + n, current, used);
        from += n;
        used += n;
      }
    }

    void failed(Throwable t) {
      if (failed) {
        return;
      }
      failed = true;
      full.clear();
      current = null;
      if (t instanceof DecoderException && t.getCause() != null) {
        ctx.fail(400, t.getCause());
      } else {
        ctx.fail(t);
      }
    }

    void end() {
      if (failed || ctx.failed()) {
        return;
      }
      if (size <= BulkWork.THRESHOLD) {
        proceed(join());
        return;
      }
      bulk.run(this::join).onComplete(ar -> {
        if (ar.succeeded()) {
          proceed(ar.result());
        } else {
          ctx.fail(ar.cause());
        }
      });
    }

    private void proceed(Buffer body) {
      ((RoutingContextInternal) ctx).setBody(body);
      ctx.next();
    }

    /** One array of the body's bytes, the blocks released as they are copied. */
    private Buffer join() {
      byte[] all = new byte[Math.toIntExact(size)];
      int at = 0;
      for (int i = 0; i < full.size(); i++) {
        byte[] block = full.set(i, null);
        System.arraycopy(block, 0, all, at, block.length);
        at += block.length;
      }
      if (current != null) {
        System.arraycopy(current, 0, all, at, used);
      }
      full.clear();
      current = null;
      // Wrapped, not copied (Buffer.buffer(byte[]) copies): the readers parse this array in place.
      return BufferInternal.buffer(Unpooled.wrappedBuffer(all));
    }
  }
}
