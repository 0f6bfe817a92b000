package io.sessiond.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code backup-tenant}, {@code restore-tenant} and {@code migrate}. A backup is NDJSON: one export
 * document per session (exactly what {@code GET /export} answers), each followed by one line per
 * blob ({@code {"format":"sessiond.blob.v1","session","name","data":<base64>}}): every blob the
 * session lists, or those {@code --blob} names. With {@code --sealed} the documents are sealed exports
 * ({@code GET /export?sealed=true}) and hold no blob; restore imports them with {@code ?sealed=true}. Restore and migrate skip a session the destination already holds at the same or a newer
 * version, so re-running them after a failure resumes where they stopped.
 */
final class TenantCommands {
  static final String BLOB_FORMAT = "sessiond.blob.v1";
  /** The format of a sealed export ({@code backup-tenant --sealed}), imported back with {@code ?sealed=true}. */
  static final String SEALED_FORMAT = "sessiond.session.v1.sealed";

  private TenantCommands() {
  }

  /**
   * Which of a session's blobs to copy: every one by default, only those named by {@code --blob}
   * when given, none with {@code --no-blobs}.
   */
  record BlobFilter(boolean none, Set<String> only) {
    static BlobFilter of(boolean noBlobs, List<String> names) {
      if (noBlobs && !names.isEmpty()) {
        throw new UsageException("--blob and --no-blobs exclude each other");
      }
      return new BlobFilter(noBlobs, Set.copyOf(names));
    }

    /** The blobs of {@code id} this filter copies, name → size; null when the session is gone. */
    Map<String, Long> listed(DaemonClient d, String id) {
      Map<String, Long> listed = none ? Map.of() : d.blobs(id);
      if (listed != null && !only.isEmpty()) {
        listed = new java.util.TreeMap<>(listed);
        listed.keySet().retainAll(only);
      }
      return listed;
    }

    /** The blobs of {@code id} to copy, read from {@code d}; name → bytes, name order. */
    Map<String, byte[]> read(DaemonClient d, String id) {
      Map<String, byte[]> bytes = new java.util.LinkedHashMap<>();
      Map<String, Long> listed = listed(d, id);
      for (String name : listed == null ? Set.<String>of() : listed.keySet()) {
        byte[] b = readBlob(d, id, name);
        if (b != null) { // null: deleted since it was listed
          bytes.put(name, b);
        }
      }
      return bytes;
    }
  }

  // ---- backup -----------------------------------------------------------------------------------

  static int backup(Cli.Context c, Commands.BackupTenant opts, BlobFilter blobs) {
    Path out = opts.out;
    boolean resume = opts.resume;
    boolean dryRun = opts.dry.dryRun;
    DaemonClient d = c.client();
    Set<String> done = new HashSet<>();
    if (resume && Files.exists(out) && !dryRun) {
      done.addAll(completeSessions(out));
      c.err().println("resuming: " + done.size() + " sessions already in " + out);
    }
    Progress p = c.progress("backed up", "sessions", -1, 100);
    int[] counts = new int[3]; // sessions, blobs, skipped
    if (dryRun) {
      d.eachPage("/v1/sessions", page -> counts[0] += page.size());
      c.out().println("dry run: would back up " + counts[0] + " sessions from " + d.url() + " into " + out
          + "; nothing written");
      return 0;
    }
    StandardOpenOption[] mode = resume
        ? new StandardOpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.APPEND}
        : new StandardOpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE};
    try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8, mode)) {
      d.eachPage("/v1/sessions", page -> {
        for (JsonObject s : page) {
          String id = s.getString("id");
          if (done.contains(id)) {
            counts[2]++;
            p.advance(1);
            continue;
          }
          String doc = d.exportText(id, opts.sealed);
          if (doc == null) {
            continue; // deleted or expired since it was listed
          }
          StringBuilder lines = new StringBuilder(new JsonObject(doc).encode()).append('\n');
          for (Map.Entry<String, byte[]> blob : blobs.read(d, id).entrySet()) {
            lines.append(new JsonObject().put("format", BLOB_FORMAT).put("session", id).put("name", blob.getKey())
                .put("data", Base64.getEncoder().encodeToString(blob.getValue())).encode()).append('\n');
            counts[1]++;
          }
          try {
            // A session and its blobs are written and flushed together, so a cut-off backup ends on
            // a whole session (or a partial last line, which --resume drops).
            w.write(lines.toString());
            w.flush();
          } catch (IOException e) {
            throw new CliException("cannot write " + out + ": " + e.getMessage(), e);
          }
          counts[0]++;
          p.advance(1);
        }
      });
    } catch (IOException e) {
      throw new CliException("cannot write " + out + ": " + e.getMessage(), e);
    }
    p.finish();
    c.out().println("backed up " + counts[0] + (opts.sealed ? " sealed" : "") + " sessions and " + counts[1] + " blobs from "
        + d.url() + " into " + out
        + (counts[2] > 0 ? " (" + counts[2] + " already there)" : ""));
    return 0;
  }

  /** Ids of the whole session lines of a backup; a partial last line is cut off the file. */
  private static Set<String> completeSessions(Path file) {
    Set<String> ids = new HashSet<>();
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long length = f.length();
      long end = length;
      while (end > 0) {
        f.seek(end - 1);
        if (f.read() == '\n') {
          break;
        }
        end--;
      }
      if (end < length) {
        f.setLength(end);
      }
    } catch (IOException e) {
      throw new CliException("cannot read " + file + ": " + e.getMessage(), e);
    }
    String last = null;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.isBlank()) {
          continue;
        }
        JsonObject o = parseLine(line, file);
        if (!BLOB_FORMAT.equals(o.getString("format"))) {
          last = o.getString("id");
          ids.add(last);
        }
      }
    } catch (IOException e) {
      throw new CliException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return ids;
  }

  // ---- restore ----------------------------------------------------------------------------------

  static int restore(Cli.Context c, Commands.RestoreTenant opts) {
    Path in = opts.in;
    boolean dryRun = opts.dry.dryRun;
    if (!Files.isRegularFile(in)) {
      throw new CliException("no file " + in);
    }
    int sessions = 0;
    int blobs = 0;
    try (BufferedReader r = Files.newBufferedReader(in, StandardCharsets.UTF_8)) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.isBlank()) {
          if (BLOB_FORMAT.equals(parseLine(line, in).getString("format"))) {
            blobs++;
          } else {
            sessions++;
          }
        }
      }
    } catch (IOException e) {
      throw new CliException("cannot read " + in + ": " + e.getMessage(), e);
    }
    if (dryRun) {
      c.out().println("dry run: " + in + " holds " + sessions + " sessions and " + blobs + " blobs; nothing written");
      return 0;
    }
    DaemonClient d = c.client();
    Map<String, Long> existing = versions(d);
    Progress p = c.progress("restored", "sessions", sessions, 100);
    int[] counts = new int[3]; // imported, skipped, blobs
    JsonObject doc = null;
    List<JsonObject> docBlobs = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(in, StandardCharsets.UTF_8)) {
      for (String line = r.readLine(); ; line = r.readLine()) {
        if (line != null && line.isBlank()) {
          continue;
        }
        JsonObject o = line == null ? null : parseLine(line, in);
        if (o != null && BLOB_FORMAT.equals(o.getString("format"))) {
          if (doc == null || !Objects.equals(o.getString("session"), doc.getString("id"))) {
            throw new CliException(in + ": a blob line of session " + o.getString("session")
                + " does not follow that session's line");
          }
          docBlobs.add(o);
          continue;
        }
        if (doc != null) {
          // The previous session is complete with its blobs: copy it.
          Map<String, byte[]> bytes = new java.util.LinkedHashMap<>();
          docBlobs.forEach(b -> bytes.put(b.getString("name"), Base64.getDecoder().decode(b.getString("data"))));
          if (copy(d, existing, doc, bytes)) {
            counts[0]++;
            counts[2] += bytes.size();
          } else {
            counts[1]++;
          }
          p.advance(1);
        }
        if (o == null) {
          break;
        }
        doc = o;
        docBlobs.clear();
      }
    } catch (IOException e) {
      throw new CliException("cannot read " + in + ": " + e.getMessage(), e);
    }
    p.finish();
    c.out().println("restored " + counts[0] + " sessions and " + counts[2] + " blobs into " + d.url()
        + (counts[1] > 0 ? "; " + counts[1] + " skipped (already there at the same or a newer version)" : ""));
    return 0;
  }

  // ---- migrate ----------------------------------------------------------------------------------

  static int migrate(Cli.Context c, DaemonClient from, DaemonClient to, boolean dryRun, BlobFilter blobs) {
    List<JsonObject> source = from.all("/v1/sessions");
    if (dryRun) {
      Map<String, Long> there = versions(to);
      long fresh = source.stream().filter(s -> {
        Long have = there.get(s.getString("id"));
        return have == null || have < s.getLong("version", 0L);
      }).count();
      c.out().println("dry run: " + source.size() + " sessions at " + from.url() + ", " + fresh
          + " to copy to " + to.url() + "; nothing written");
      return 0;
    }
    Map<String, Long> existing = versions(to);
    Progress p = c.progress("migrated", "sessions", source.size(), 100);
    int[] counts = new int[3]; // copied, skipped, blobs
    for (JsonObject s : source) {
      String id = s.getString("id");
      Long have = existing.get(id);
      if (have != null && have >= s.getLong("version", 0L)) {
        counts[1]++;
        p.advance(1);
        continue;
      }
      String text = from.exportText(id);
      if (text != null) {
        Map<String, byte[]> bytes = blobs.read(from, id);
        if (copy(to, existing, new JsonObject(text), bytes)) {
          counts[0]++;
          counts[2] += bytes.size();
        }
      }
      p.advance(1);
    }
    p.finish();
    c.out().println("copied " + counts[0] + " sessions and " + counts[2] + " blobs from " + from.url() + " to "
        + to.url() + (counts[1] > 0 ? "; " + counts[1] + " skipped (already there at the same or a newer version)" : ""));
    return verify(c, from, to, blobs);
  }

  /**
   * Lists both sides' status: every source session must be at the destination, at the same or a
   * newer version, with the same key counts per type, the same message count and the same blobs
   * (those the filter copies: names and sizes).
   */
  static int verify(Cli.Context c, DaemonClient from, DaemonClient to, BlobFilter blobs) {
    Map<String, JsonObject> src = byId(from.all("/v1/sessions/status"));
    Map<String, JsonObject> dst = byId(to.all("/v1/sessions/status"));
    List<String> mismatches = new ArrayList<>();
    for (Map.Entry<String, JsonObject> e : src.entrySet()) {
      JsonObject s = e.getValue();
      JsonObject t = dst.get(e.getKey());
      if (t == null) {
        mismatches.add(e.getKey() + ": missing at the destination");
        continue;
      }
      if (t.getLong("version", 0L) < s.getLong("version", 0L)) {
        mismatches.add(e.getKey() + ": version " + t.getLong("version") + " at the destination, "
            + s.getLong("version") + " at the source");
      }
      if (!s.getJsonObject("keyCounts", new JsonObject()).equals(t.getJsonObject("keyCounts", new JsonObject()))) {
        mismatches.add(e.getKey() + ": key counts " + t.getJsonObject("keyCounts") + " at the destination, "
            + s.getJsonObject("keyCounts") + " at the source");
      }
      if (!Objects.equals(s.getValue("messageCount"), t.getValue("messageCount"))) {
        mismatches.add(e.getKey() + ": " + t.getValue("messageCount") + " messages at the destination, "
            + s.getValue("messageCount") + " at the source");
      }
      Map<String, Long> sourceBlobs = blobs.listed(from, e.getKey());
      Map<String, Long> destinationBlobs = blobs.listed(to, e.getKey());
      if (sourceBlobs != null && destinationBlobs != null && !sourceBlobs.equals(destinationBlobs)) {
        mismatches.add(e.getKey() + ": blobs (name=bytes) " + destinationBlobs + " at the destination, "
            + sourceBlobs + " at the source");
      }
    }
    Set<String> extra = new TreeSet<>(dst.keySet());
    extra.removeAll(src.keySet());
    if (!extra.isEmpty()) {
      c.err().println("note: " + extra.size() + " sessions at the destination are not at the source");
    }
    if (!mismatches.isEmpty()) {
      mismatches.forEach(m -> c.err().println("mismatch: " + m));
      c.err().println("verification failed: " + mismatches.size() + " mismatches");
      return 1;
    }
    long keys = src.values().stream().mapToLong(s -> s.getJsonObject("keyCounts", new JsonObject()).stream()
        .mapToLong(k -> ((Number) k.getValue()).longValue()).sum()).sum();
    c.out().println("verified: " + src.size() + " sessions (" + keys + " keys) at both sides, ids, versions, key and "
        + "message counts" + (blobs.none() ? "" : ", blob names and sizes") + " match");
    return 0;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /**
   * Imports one session and then its blobs, unless the destination already holds it at the same or
   * a newer version. Each blob upload is a write (version + 1), so the document is imported at its
   * version minus the number of blobs: on a destination without the session, it ends at exactly the
   * source's version, and a later run skips it until the source moves on.
   */
  private static boolean copy(DaemonClient to, Map<String, Long> existing, JsonObject doc, Map<String, byte[]> blobs) {
    String id = doc.getString("id");
    long version = doc.getLong("version", 0L);
    Long have = existing.get(id);
    if (have != null && have >= version) {
      return false;
    }
    to.importText(doc.copy().put("version", Math.max(0, version - blobs.size())).encode(), id,
        SEALED_FORMAT.equals(doc.getString("format")));
    blobs.forEach((name, bytes) -> putBlob(to, id, name, bytes));
    return true;
  }

  private static Map<String, Long> versions(DaemonClient d) {
    Map<String, Long> v = new HashMap<>();
    d.eachPage("/v1/sessions", page -> page.forEach(s -> v.put(s.getString("id"), s.getLong("version", 0L))));
    return v;
  }

  private static Map<String, JsonObject> byId(List<JsonObject> list) {
    Map<String, JsonObject> m = new HashMap<>();
    list.forEach(s -> m.put(s.getString("id"), s));
    return m;
  }

  private static JsonObject parseLine(String line, Path file) {
    try {
      return new JsonObject(line);
    } catch (DecodeException | ClassCastException e) {
      throw new CliException(file + ": a line is not a JSON object: " + e.getMessage(), e);
    }
  }

  private static byte[] readBlob(DaemonClient d, String id, String name) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile("sessiond-blob-", ".bin");
      return d.getBlob(id, name, tmp) ? Files.readAllBytes(tmp) : null;
    } catch (IOException e) {
      throw new CliException("cannot stage blob " + name + " of " + id + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        DaemonClient.deleteQuietly(tmp);
      }
    }
  }

  private static void putBlob(DaemonClient d, String id, String name, byte[] bytes) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile("sessiond-blob-", ".bin");
      Files.write(tmp, bytes);
      d.putBlob(id, name, tmp);
    } catch (IOException e) {
      throw new CliException("cannot stage blob " + name + " of " + id + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        DaemonClient.deleteQuietly(tmp);
      }
    }
  }
}
