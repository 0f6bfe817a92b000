package io.sessiond.http.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A blocking HTTP/1.1 client over a plain socket, one connection per request ({@code Connection:
 * close}), so a request can carry what no HTTP library sends (repeated headers, raw bytes in the
 * path, a bad percent escape) and so an incomplete answer is seen as such: the connection closed
 * before the whole answer arrived is a drop, no answer within the deadline is a hang.
 */
final class RawHttp {
  private final int port;
  private final int deadlineMs;

  RawHttp(int port, int deadlineMs) {
    this.port = port;
    this.deadlineMs = deadlineMs;
  }

  /** What came back: a whole answer, or how it fell short ({@code failure} not null). */
  record Answer(int status, Map<String, String> headers, byte[] body, String failure) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Sends {@code request} (a whole request, head and body, as bytes) and reads one answer. */
  Answer exchange(byte[] request, boolean head) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(deadlineMs);
      String writeError = write(socket, request);
      try {
        return read(socket.getInputStream(), head);
      } catch (SocketTimeoutException e) {
        return failed("hang: no whole answer within " + deadlineMs + " ms");
      } catch (IOException e) {
        return failed("dropped: " + e.getMessage() + (writeError == null ? "" : " (writing: " + writeError + ")"));
      }
    } catch (IOException e) {
      return failed("dropped: cannot connect: " + e.getMessage());
    }
  }

  private static String write(Socket socket, byte[] request) {
    try {
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      return null;
    } catch (IOException e) {
      // The daemon may answer (413) and close before the whole body is sent: read what it answered.
      return e.getMessage();
    }
  }

  private static Answer failed(String why) {
    return new Answer(0, Map.of(), new byte[0], why);
  }

  private static Answer read(InputStream in, boolean head) throws IOException {
    String statusLine = line(in);
    if (statusLine == null) {
      return failed("dropped: the connection closed before any answer");
    }
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      return failed("not HTTP: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      if (colon > 0) {
        headers.merge(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim(),
            (a, b) -> a + ", " + b);
      }
    }
    if (head || status == 204 || status == 304) {
      return new Answer(status, headers, new byte[0], null);
    }
    byte[] body;
    String length = headers.get("content-length");
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = chunked(in);
    } else if (length != null) {
      body = in.readNBytes(Integer.parseInt(length));
      if (body.length < Integer.parseInt(length)) {
        return new Answer(status, headers, body, "dropped: " + body.length + " of " + length + " body bytes arrived");
      }
    } else {
      body = in.readAllBytes();
    }
    return new Answer(status, headers, body, body == null ? "dropped: the chunked body ended early" : null);
  }

  private static byte[] chunked(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      String size = line(in);
      if (size == null) {
        return null;
      }
      int n = Integer.parseInt(size.split(";")[0].trim(), 16);
      if (n == 0) {
        line(in);
        return out.toByteArray();
      }
      byte[] chunk = in.readNBytes(n);
      if (chunk.length < n) {
        return null;
      }
      out.write(chunk);
      line(in);
    }
  }

  /** One CRLF-terminated line (ISO-8859-1), or null at the end of the stream. */
  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        int end = b.length();
        return end > 0 && b.charAt(end - 1) == '\r' ? b.substring(0, end - 1) : b.toString();
      }
      b.append((char) c);
    }
    return b.length() == 0 ? null : b.toString();
  }
}
