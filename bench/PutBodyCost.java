import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * The CPU cost of reading one PUT body of the benchmark's shape (bench/lua/put.lua: ~1 KiB of data)
 * both ways sessiond can: checked into a tree (StorableJson) and data encoded again (Bodies.SessionBody),
 * against sliced out of the bytes as sent (SessionBodyReader). Thread CPU time, so a loaded machine
 * disturbs it much less than req/s; alternated rounds after a warm-up.
 *
 *   java -cp target/sessiond.jar bench/PutBodyCost.java [iterations]
 */
public final class PutBodyCost {
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    Random r = new Random(1);
    StringBuilder blob = new StringBuilder();
    for (int i = 0; i < 960; i++) {
      blob.append(chars.charAt(r.nextInt(64)));
    }
    byte[] body = ("{\"data\":{\"owner\":\"bench\",\"n\":7,\"jid\":\"1000000007@s.whatsapp.net\",\"blob\":\"" + blob + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
    Class<?> storable = Class.forName("io.sessiond.http.StorableJson");
    Method decode = storable.getDeclaredMethod("decode", io.vertx.core.buffer.Buffer.class);
    Class<?> sessionBody = Class.forName("io.sessiond.http.Bodies$SessionBody");
    Method parse = sessionBody.getDeclaredMethod("parse", io.vertx.core.json.JsonObject.class);
    Method slice = Class.forName("io.sessiond.http.SessionBodyReader").getDeclaredMethod("slice", byte[].class);
    decode.setAccessible(true);
    parse.setAccessible(true);
    slice.setAccessible(true);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    System.out.printf("PUT body of %d bytes, %d reads per round%n", body.length, n);
    for (int round = 0; round < 6; round++) {
      boolean record = round >= 2;
      long t0 = mx.getCurrentThreadCpuTime();
      Object sink = null;
      for (int i = 0; i < n; i++) {
        sink = parse.invoke(null, decode.invoke(null, io.vertx.core.buffer.Buffer.buffer(body)));
      }
      long t1 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < n; i++) {
        sink = slice.invoke(null, (Object) io.vertx.core.buffer.Buffer.buffer(body).getBytes());
      }
      long t2 = mx.getCurrentThreadCpuTime();
      if (sink == null) {
        throw new IllegalStateException("the sliced read refused the body");
      }
      if (record) {
        System.out.printf("round %d: tree + re-encode %.2f µs, sliced %.2f µs%n", round - 1, (t1 - t0) / 1e3 / n,
            (t2 - t1) / 1e3 / n);
      }
    }
  }
}
