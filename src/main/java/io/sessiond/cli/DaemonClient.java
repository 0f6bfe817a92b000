package io.sessiond.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A blocking client of one daemon's HTTP API (one tenant: the API key's). Retries connection
 * errors, 429 and 503 with backoff; any other error becomes a {@link CliException} carrying the
 * problem's detail. Request bodies are replayable (strings, byte arrays, files), so retries resend them.
 */
final class DaemonClient {
  private static final int ATTEMPTS = 6;
  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private final HttpClient http;
  private final String base;
  private final String apiKey;

  DaemonClient(String url, String apiKey) {
    String u = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    try {
      URI uri = URI.create(u);
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException("not an http(s) URL: " + url);
    }
    this.base = u;
    this.apiKey = apiKey;
    // HTTP/1.1: an h2c upgrade attempt on every request would buy nothing here.
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  String url() {
    return base;
  }

  static String seg(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  // ---- sessions ---------------------------------------------------------------------------------

  /** The session, or null when there is none. */
  JsonObject session(String id) {
    HttpResponse<String> r = send("GET", "/v1/sessions/" + seg(id), null, null, BodyHandlers.ofString());
    return r.statusCode() == 404 ? null : json(ok(r, "read session " + id));
  }

  void putSessionText(String id, String body) {
    ok(send("PUT", "/v1/sessions/" + seg(id), BodyPublishers.ofString(body), "application/json",
        BodyHandlers.ofString()), "create session " + id);
  }

  void putCredsText(String id, String creds) {
    ok(send("PUT", "/v1/sessions/" + seg(id) + "/creds", BodyPublishers.ofString(creds), "application/json",
        BodyHandlers.ofString()), "write the creds of " + id);
  }

  void writeKeysText(String id, String batch) {
    ok(send("POST", "/v1/sessions/" + seg(id) + "/keys", BodyPublishers.ofString(batch), "application/json",
        BodyHandlers.ofString()), "write keys of " + id);
  }

  /** The export document as text, or null when the session is gone. */
  String exportText(String id) {
    return exportText(id, false);
  }

  /** The export document, its values sealed under the tenant's data key when {@code sealed}; null when gone. */
  String exportText(String id, boolean sealed) {
    HttpResponse<String> r = send("GET", "/v1/sessions/" + seg(id) + "/export" + (sealed ? "?sealed=true" : ""), null,
        null, BodyHandlers.ofString());
    return r.statusCode() == 404 ? null : ok(r, "export " + id);
  }

  /** Imports one export document; answers the imported session. */
  JsonObject importText(String doc, String id) {
    return importText(doc, id, false);
  }

  /** Imports one export document, a sealed one ({@code format} sessiond.session.v1.sealed) when {@code sealed}. */
  JsonObject importText(String doc, String id, boolean sealed) {
    return json(ok(send("POST", "/v1/sessions/import" + (sealed ? "?sealed=true" : ""), BodyPublishers.ofString(doc),
        "application/json", BodyHandlers.ofString()), "import " + id));
  }

  /** Every item of a cursor-paged list ({@code /v1/sessions} or {@code /v1/sessions/status}), page by page. */
  void eachPage(String path, Consumer<List<JsonObject>> page) {
    String cursor = null;
    do {
      String p = path + "?limit=500" + (cursor == null ? "" : "&cursor=" + seg(cursor));
      JsonObject body = json(ok(send("GET", p, null, null, BodyHandlers.ofString()), "list sessions"));
      JsonArray items = body.getJsonArray("sessions", new JsonArray());
      List<JsonObject> list = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        list.add(items.getJsonObject(i));
      }
      page.accept(list);
      cursor = body.getString("nextCursor");
    } while (cursor != null);
  }

  List<JsonObject> all(String path) {
    List<JsonObject> all = new ArrayList<>();
    eachPage(path, all::addAll);
    return all;
  }

  // ---- blobs ------------------------------------------------------------------------------------

  /** The session's blobs, name → size in bytes (name order), or null when the session is gone. */
  Map<String, Long> blobs(String id) {
    HttpResponse<String> r = send("GET", "/v1/sessions/" + seg(id) + "/blobs", null, null, BodyHandlers.ofString());
    if (r.statusCode() == 404) {
      return null;
    }
    JsonArray blobs = json(ok(r, "list the blobs of " + id)).getJsonArray("blobs", new JsonArray());
    Map<String, Long> sizes = new LinkedHashMap<>();
    for (int i = 0; i < blobs.size(); i++) {
      JsonObject b = blobs.getJsonObject(i);
      sizes.put(b.getString("name"), b.getLong("size"));
    }
    return sizes;
  }

  /** Downloads a blob into {@code file}; false when the session has no such blob. */
  boolean getBlob(String id, String name, Path file) {
    HttpResponse<Path> r = send("GET", "/v1/sessions/" + seg(id) + "/blobs/" + seg(name), null, null,
        BodyHandlers.ofFile(file));
    if (r.statusCode() == 404) {
      return false;
    }
    if (r.statusCode() != 200) {
      throw new CliException("cannot read blob " + name + " of " + id + ": HTTP " + r.statusCode());
    }
    return true;
  }

  void putBlob(String id, String name, Path file) {
    try {
      ok(send("PUT", "/v1/sessions/" + seg(id) + "/blobs/" + seg(name), BodyPublishers.ofFile(file),
          "application/octet-stream", BodyHandlers.ofString()), "upload blob " + name + " of " + id);
    } catch (IOException e) {
      throw new CliException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private <T> HttpResponse<T> send(String method, String path, BodyPublisher body, String contentType,
      HttpResponse.BodyHandler<T> handler) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
        .method(method, body == null ? BodyPublishers.noBody() : body);
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    HttpRequest request = b.build();
    long backoff = 250;
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<T> r = http.send(request, handler);
        if ((r.statusCode() == 503 || r.statusCode() == 429) && attempt < ATTEMPTS) {
          long wait = r.headers().firstValue("Retry-After").map(DaemonClient::seconds).orElse(backoff);
          sleep(Math.min(wait, 10_000));
          backoff *= 2;
          continue;
        }
        return r;
      } catch (ConnectException | HttpTimeoutException e) {
        if (attempt >= ATTEMPTS) {
          throw new CliException("cannot reach " + base + ": " + e, e);
        }
      } catch (IOException e) {
        if (attempt >= ATTEMPTS) {
          throw new CliException(method + " " + base + path + " failed: " + e, e);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException("interrupted", e);
      }
      sleep(backoff);
      backoff *= 2;
    }
  }

  private static long seconds(String retryAfter) {
    try {
      return Long.parseLong(retryAfter.trim()) * 1000;
    } catch (NumberFormatException e) {
      return 1000;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted", e);
    }
  }

  private String ok(HttpResponse<String> r, String what) {
    int s = r.statusCode();
    if (s >= 200 && s < 300) {
      return r.body();
    }
    String detail = r.body();
    try {
      JsonObject p = new JsonObject(r.body());
      detail = p.getString("detail", r.body());
    } catch (DecodeException | ClassCastException e) {
      // not problem+json: the body as it is
    }
    String hint = s == 401 ? " (check --api-key or SESSIOND_API_KEY)" : "";
    throw new CliException("cannot " + what + " at " + base + ": HTTP " + s + ": " + detail + hint);
  }

  private static JsonObject json(String text) {
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      throw new CliException("the daemon answered something that is not a JSON object: " + e.getMessage(), e);
    }
  }

  static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a temporary file: nothing to do
    }
  }
}
