package io.sessiond.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** {@code import-baileys} and {@code export-baileys}. */
final class BaileysCommands {
  /** Key batches stay well under the daemon's default MAX_KEY_BATCH_BYTES (8 MiB). */
  private static final int MAX_BATCH_CHARS = 4 * 1024 * 1024;

  private BaileysCommands() {
  }

  private record KeyFile(String type, String id, String text) {
  }

  static int importFolder(Cli.Context c, Commands.ImportBaileys opts) {
    Path dir = opts.dir;
    String session = opts.session;
    int batchSize = opts.batchSize;
    long ttl = opts.ttl;
    boolean dryRun = opts.dry.dryRun;
    if (!Files.isDirectory(dir)) {
      throw new CliException(dir + " is not a directory");
    }
    String creds = null;
    List<KeyFile> keys = new ArrayList<>();
    Map<String, Integer> perType = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new CliException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    for (Path f : files) {
      String name = f.getFileName().toString();
      if (name.equals(BaileysNames.CREDS)) {
        creds = readJson(f);
        continue;
      }
      BaileysNames.Key key = BaileysNames.parse(name);
      if (key == null) {
        c.err().println("skipping " + name + ": not a Baileys key file (<type>-<id>.json)");
        continue;
      }
      keys.add(new KeyFile(key.type(), key.id(), readJson(f)));
      perType.merge(key.type(), 1, Integer::sum);
    }
    if (creds == null) {
      throw new CliException("no " + BaileysNames.CREDS + " in " + dir + ": not a Baileys auth folder");
    }
    String summary = "creds and " + keys.size() + " keys " + perType;
    if (dryRun) {
      c.out().println("dry run: would import " + summary + " from " + dir + " into session " + session
          + "; nothing written");
      return 0;
    }
    DaemonClient d = c.client();
    if (d.session(session) == null) {
      d.putSessionText(session, "{\"data\":{},\"ttlSeconds\":" + ttl + ",\"creds\":" + creds + "}");
    } else {
      d.putCredsText(session, creds);
    }
    Progress p = c.progress("imported", "keys", keys.size(), batchSize);
    int from = 0;
    while (from < keys.size()) {
      // One atomic, idempotent upsert per batch: re-running the import after a failure is harmless.
      Map<String, StringBuilder> byType = new LinkedHashMap<>();
      int chars = 0;
      int to = from;
      while (to < keys.size() && to - from < batchSize && (to == from || chars < MAX_BATCH_CHARS)) {
        KeyFile k = keys.get(to++);
        StringBuilder b = byType.computeIfAbsent(k.type(), t -> new StringBuilder());
        b.append(b.isEmpty() ? "" : ",").append(Json.encode(k.id())).append(':').append(k.text());
        chars += k.text().length() + k.id().length() + 4;
      }
      StringBuilder body = new StringBuilder("{");
      byType.forEach((type, values) -> body.append(body.length() > 1 ? "," : "").append(Json.encode(type))
          .append(":{").append(values).append('}'));
      d.writeKeysText(session, body.append('}').toString());
      p.advance(to - from);
      from = to;
    }
    p.finish();
    c.out().println("imported " + summary + " into session " + session + " at " + d.url());
    return 0;
  }

  static int exportFolder(Cli.Context c, Commands.ExportBaileys opts) {
    String session = opts.session;
    Path dir = opts.dir;
    boolean dryRun = opts.dry.dryRun;
    DaemonClient d = c.client();
    String text = d.exportText(session);
    if (text == null) {
      throw new CliException("no session " + session + " at " + d.url());
    }
    JsonObject export = new JsonObject(text);
    JsonObject creds = export.getJsonObject("creds");
    JsonObject keys = export.getJsonObject("keys", new JsonObject());
    int total = 0;
    for (String type : keys.fieldNames()) {
      total += keys.getJsonObject(type).size();
    }
    if (dryRun) {
      c.out().println("dry run: would write " + (creds == null ? "no creds" : BaileysNames.CREDS) + " and " + total
          + " key files of session " + session + " into " + dir + "; nothing written");
      return 0;
    }
    try {
      Files.createDirectories(dir);
      if (creds != null) {
        write(dir.resolve(BaileysNames.CREDS), creds.encode());
      } else {
        c.err().println("session " + session + " has no creds: no " + BaileysNames.CREDS + " written");
      }
      Progress p = c.progress("exported", "keys", total, 500);
      for (String type : keys.fieldNames()) {
        JsonObject values = keys.getJsonObject(type);
        for (String id : values.fieldNames()) {
          write(dir.resolve(BaileysNames.fileName(type, id)), Json.encode(values.getValue(id)));
          p.advance(1);
        }
      }
      p.finish();
    } catch (IOException e) {
      throw new CliException("cannot write into " + dir + ": " + e.getMessage(), e);
    }
    c.out().println("exported " + (creds == null ? "no creds" : "creds") + " and " + total + " keys of session "
        + session + " into " + dir);
    return 0;
  }

  /** The file's text, checked to be JSON (the daemon stores it as it is). */
  private static String readJson(Path f) {
    String text;
    try {
      text = Files.readString(f, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new CliException("cannot read " + f + ": " + e.getMessage(), e);
    }
    try {
      Json.decodeValue(text);
    } catch (DecodeException e) {
      throw new CliException(f + " is not JSON: " + e.getMessage(), e);
    }
    return text;
  }

  /** Written to a temporary file then renamed: a file is never seen half-written. */
  static void write(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
