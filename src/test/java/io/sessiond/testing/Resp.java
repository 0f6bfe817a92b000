package io.sessiond.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny RESP2 client for test control of Redis servers (cluster set-up, failovers, checks): one
 * command per connection, the reply parsed into a String, Long, List or {@code null}; an error reply
 * is a {@link RedisError}.
 */
public final class Resp {
  private Resp() {
  }

  /** An error reply ({@code -ERR …}). */
  public static final class RedisError extends RuntimeException {
    RedisError(String message) {
      super(message);
    }
  }

  /** Sends one command to 127.0.0.1:{@code port}; fails when the server does not answer within 5 s. */
  public static Object call(int port, Object... args) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
      for (Object a : args) {
        byte[] b = String.valueOf(a).getBytes(StandardCharsets.UTF_8);
        req.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        req.writeBytes(b);
        req.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
      }
      out.write(req.toByteArray());
      out.flush();
      return read(new BufferedInputStream(s.getInputStream()));
    } catch (IOException e) {
      throw new IllegalStateException("Redis on port " + port + " does not answer: " + e.getMessage(), e);
    }
  }

  /** {@link #call} for a reply that is text (a status or bulk string). */
  public static String text(int port, Object... args) {
    Object r = call(port, args);
    if (r instanceof RedisError e) {
      throw e;
    }
    return r == null ? null : String.valueOf(r);
  }

  private static Object read(InputStream in) throws IOException {
    int type = in.read();
    String line = line(in);
    switch (type) {
      case '+':
        return line;
      case '-':
        return new RedisError(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        byte[] b = in.readNBytes(n + 2);
        return new String(b, 0, n, StandardCharsets.UTF_8);
      }
      case '*': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          items.add(read(in));
        }
        return items;
      }
      default:
        throw new IOException("unexpected RESP type " + (char) type);
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\r') {
      sb.append((char) c);
    }
    in.read(); // '\n'
    return sb.toString();
  }
}
