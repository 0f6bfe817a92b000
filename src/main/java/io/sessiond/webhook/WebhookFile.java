package io.sessiond.webhook;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file store's webhooks on disk ({@code <DATA_DIR>/webhooks.json}): every registration (its secret
 * included), its cursor in the event log, its dead letters and, written on a clean stop, the events it
 * had not acknowledged. Each write replaces the whole file atomically (a temporary file, synced, then
 * renamed over it), on a worker thread.
 */
public final class WebhookFile {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookFile.class);
  static final String NAME = "webhooks.json";
  private final Path path;
  private final Path temp;

  /** What was saved: whether the process stopped cleanly (the backlogs are complete), and each webhook. */
  record Saved(boolean clean, List<SavedHook> hooks) {
  }

  /** One webhook as saved; {@code lostAfter} is set when events after it left the log undelivered. */
  record SavedHook(Webhook webhook, String cursor, List<io.sessiond.store.SessionEvent> backlog, String lostAfter,
                   List<JsonObject> dead) {
  }

  private final SecretSeal seal;

  public WebhookFile(Path dataDir, SecretSeal seal) {
    this.seal = seal;
    this.path = dataDir.resolve(NAME);
    this.temp = dataDir.resolve(NAME + ".tmp");
  }

  /** The saved webhooks; none when there is no file yet. */
  Future<Saved> load(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      if (!Files.exists(path)) {
        return new Saved(true, List.of());
      }
      JsonObject o = new JsonObject(Files.readString(path, StandardCharsets.UTF_8));
      List<SavedHook> hooks = new ArrayList<>();
      for (Object item : o.getJsonArray("webhooks", new JsonArray())) {
        JsonObject h = (JsonObject) item;
        List<io.sessiond.store.SessionEvent> backlog = new ArrayList<>();
        for (Object e : h.getJsonArray("backlog", new JsonArray())) {
          backlog.add(LocalWebhookStore.event((JsonObject) e));
        }
        List<JsonObject> dead = new ArrayList<>();
        for (Object d : h.getJsonArray("deadLetters", new JsonArray())) {
          dead.add((JsonObject) d);
        }
        hooks.add(new SavedHook(Webhook.parse(h.getJsonObject("webhook").encode(), seal), h.getString("cursor"), backlog,
            h.getString("lostAfter"), dead));
      }
      boolean clean = o.getBoolean("clean", false);
      LOG.info("loaded {} webhooks from {} ({})", hooks.size(), path, clean ? "clean stop" : "no clean stop:"
          + " each webhook is sent events-lost");
      return new Saved(clean, hooks);
    });
  }

  Future<Void> write(Vertx vertx, Saved saved) {
    JsonArray hooks = new JsonArray();
    for (SavedHook h : saved.hooks()) {
      hooks.add(new JsonObject().put("webhook", new JsonObject(h.webhook().stored(seal))).put("cursor", h.cursor())
          .put("lostAfter", h.lostAfter()).put("backlog", LocalWebhookStore.events(h.backlog()))
          .put("deadLetters", new JsonArray(new ArrayList<>(h.dead()))));
    }
    byte[] bytes = new JsonObject().put("version", 1).put("clean", saved.clean()).put("webhooks", hooks).encode()
        .getBytes(StandardCharsets.UTF_8);
    return vertx.executeBlocking(() -> {
      Files.createDirectories(path.getParent());
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          out.write(b);
        }
        out.force(true);
      }
      Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(path.getParent());
      return null;
    }, true).<Void>mapEmpty().onFailure(e -> LOG.warn("writing {} failed: {}", path, e.toString()));
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Not every file system syncs a directory; the rename itself is atomic.
    }
  }
}
