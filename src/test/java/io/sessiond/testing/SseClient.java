package io.sessiond.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A Server-Sent Events reader for tests: opens {@code GET path} with a bearer key (and optionally a
 * {@code Last-Event-ID}), parses the frames as they arrive and keeps every event with its SSE id, type
 * and JSON data, in arrival order. Comments (heartbeats) are counted, not kept.
 */
public final class SseClient {
  /** One frame: the SSE {@code id} (null when absent), {@code event} and {@code data}. */
  public record Frame(String id, String event, String data) {
    public JsonObject json() {
      return new JsonObject(data);
    }
  }

  private final HttpClientAgent client;
  private final List<Frame> frames = new ArrayList<>();
  private final StringBuilder pending = new StringBuilder();
  private HttpClientResponse response;
  private int comments;
  private volatile boolean ended;

  private SseClient(HttpClientAgent client) {
    this.client = client;
  }

  /** Opens the stream; completes with the client once the response's headers arrived (any status). */
  public static Future<SseClient> open(Vertx vertx, int port, String key, String path, String lastEventId) {
    SseClient sse = new SseClient(vertx.createHttpClient());
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(path).putHeader("Authorization", "Bearer " + key).putHeader("Accept", "text/event-stream");
    if (lastEventId != null) {
      options.putHeader("Last-Event-ID", lastEventId);
    }
    return sse.client.request(options).compose(req -> req.send()).map(resp -> {
      sse.response = resp;
      resp.handler(sse::received);
      resp.endHandler(v -> sse.ended = true);
      resp.exceptionHandler(e -> sse.ended = true);
      return sse;
    });
  }

  public int status() {
    return response.statusCode();
  }

  public HttpClientResponse response() {
    return response;
  }

  private synchronized void received(Buffer chunk) {
    pending.append(chunk.toString());
    int end;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      String block = pending.substring(0, end);
      pending.delete(0, end + 2);
      parse(block);
    }
  }

  private void parse(String block) {
    String id = null;
    String event = "message";
    StringBuilder data = null;
    boolean any = false;
    for (String line : block.split("\n")) {
      if (line.startsWith(":")) {
        comments++;
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
      switch (field) {
        case "id" -> id = value;
        case "event" -> event = value;
        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        default -> { }
      }
      any = any || !field.equals("retry");
    }
    if (any && data != null) {
      frames.add(new Frame(id, event, data.toString()));
    }
  }

  /** Every frame received so far, in order. */
  public synchronized List<Frame> frames() {
    return new ArrayList<>(frames);
  }

  /** The frames of change events (not markers), in order. */
  public synchronized List<Frame> events() {
    return frames.stream().filter(f -> f.id() != null).toList();
  }

  /** The id of the last event received, for a reconnect's {@code Last-Event-ID}. */
  public synchronized String lastEventId() {
    List<Frame> events = events();
    return events.isEmpty() ? null : events.get(events.size() - 1).id();
  }

  public synchronized int comments() {
    return comments;
  }

  public boolean ended() {
    return ended;
  }

  /** Disconnects (the client goes away); the frames received stay readable. */
  public Future<Void> close() {
    return client.close();
  }
}
