package io.sessiond.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar's subcommands against real daemons. Commands run in-process on the JUnit thread (which is
 * no event loop: blocking is fine there); the daemons and the test's HTTP client run on Vert.x.
 */
class CliTest {
  private static final Random RANDOM = new Random(42);
  private static Vertx vertx;

  @TempDir
  Path tmp;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  private static CliRun cli(Map<String, String> env, String... args) {
    return CliRun.of(env, args);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static final class Daemon implements AutoCloseable {
    final String tenant = TestDaemon.freshTenant();
    final TestDaemon d;
    final String key;

    Daemon() throws Exception {
      d = await(TestDaemon.builder().tenantWithKeys(tenant, "key-" + tenant).start(vertx));
      key = "key-" + tenant;
    }

    String url() {
      return "http://127.0.0.1:" + d.port();
    }

    Map<String, String> env() {
      return Map.of("SESSIOND_API_KEY", key);
    }

    HttpResponse<Buffer> get(String path) throws Exception {
      return await(d.api(tenant).get(path));
    }

    HttpResponse<Buffer> post(String path, Object body) throws Exception {
      return await(d.api(tenant).post(path, body));
    }

    HttpResponse<Buffer> put(String path, Object body) throws Exception {
      return await(d.api(tenant).put(path, body));
    }

    JsonObject export(String id) throws Exception {
      HttpResponse<Buffer> r = get("/v1/sessions/" + id + "/export");
      assertEquals(200, r.statusCode(), r.bodyAsString());
      return r.bodyAsJsonObject();
    }

    @Override
    public void close() throws Exception {
      await(d.stop());
    }
  }

  private static JsonObject buffer(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return new JsonObject().put("type", "Buffer").put("data", Base64.getEncoder().encodeToString(b));
  }

  /** A Baileys folder as useMultiFileAuthState writes it; answers key type → real id → value. */
  private static Map<String, Map<String, Object>> baileysFolder(Path dir) throws Exception {
    Files.createDirectories(dir);
    JsonObject creds = new JsonObject()
        .put("noiseKey", new JsonObject().put("private", buffer(32)).put("public", buffer(32)))
        .put("signedIdentityKey", new JsonObject().put("private", buffer(32)).put("public", buffer(32)))
        .put("registrationId", 4242).put("advSecretKey", "c2VjcmV0").put("nextPreKeyId", 31)
        .put("me", new JsonObject().put("id", "5511999990000:7@s.whatsapp.net").put("name", "bot"))
        .put("processedHistoryMessages", new JsonArray()).put("accountSyncCounter", 0).put("registered", true);
    Files.writeString(dir.resolve("creds.json"), creds.encode());
    Map<String, Map<String, Object>> keys = new HashMap<>();
    for (int i = 1; i <= 30; i++) {
      keys.computeIfAbsent("pre-key", t -> new HashMap<>()).put(Integer.toString(i),
          new JsonObject().put("private", buffer(32)).put("public", buffer(33)));
    }
    for (int i = 0; i < 5; i++) {
      keys.computeIfAbsent("session", t -> new HashMap<>()).put("551199999" + i + ".0", buffer(200 + i));
    }
    keys.computeIfAbsent("sender-key", t -> new HashMap<>()).put("120363041234@g.us::5511999990001::0", buffer(80));
    keys.get("sender-key").put("5511888-1600000000@g.us::5511999990002::3", buffer(80));
    keys.computeIfAbsent("sender-key-memory", t -> new HashMap<>()).put("120363041234@g.us",
        new JsonObject().put("5511999990001:3@s.whatsapp.net", true));
    keys.computeIfAbsent("app-state-sync-key", t -> new HashMap<>()).put("AAAAAB/cQ+w=",
        new JsonObject().put("keyData", buffer(32)).put("timestamp", "1700000000000")
            .put("fingerprint", new JsonObject().put("rawId", 1).put("currentIndex", 2).put("deviceIndexes",
                new JsonArray().add(0).add(1))));
    keys.computeIfAbsent("app-state-sync-version", t -> new HashMap<>()).put("regular_high",
        new JsonObject().put("version", 17).put("hash", buffer(128)).put("indexValueMap", new JsonObject()
            .put("k1", new JsonObject().put("valueMac", buffer(32)))));
    keys.computeIfAbsent("lid-mapping", t -> new HashMap<>()).put("5511999990000", "123456789012345");
    keys.get("lid-mapping").put("123456789012345_reverse", "5511999990000");
    keys.computeIfAbsent("device-list", t -> new HashMap<>()).put("5511999990001", new JsonArray().add("0").add("3"));
    // Baileys 7's tctoken index lives under the key id "__index" (file tctoken-__index.json).
    keys.computeIfAbsent("tctoken", t -> new HashMap<>()).put("__index",
        new JsonObject().put("token", new JsonObject().put("type", "Buffer").put("data", "WyIxMjNAbGlkIl0=")));
    for (Map.Entry<String, Map<String, Object>> t : keys.entrySet()) {
      for (Map.Entry<String, Object> k : t.getValue().entrySet()) {
        String file = (t.getKey() + "-" + k.getKey() + ".json").replace("/", "__").replace(":", "-");
        Files.writeString(dir.resolve(file), Json.encode(k.getValue()));
      }
    }
    return keys;
  }

  private static Set<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void baileysFolder_importsAndExportsBackJsonEqual_dryRunWritesNothing_twiceIsHarmless() throws Exception {
    try (Daemon a = new Daemon()) {
      Path in = tmp.resolve("auth_info");
      Map<String, Map<String, Object>> keys = baileysFolder(in);
      int keyCount = keys.values().stream().mapToInt(Map::size).sum();
      assertTrue(keyCount > 40, "a few dozen keys: " + keyCount);

      CliRun dry = cli(a.env(), "import-baileys", "--url", a.url(), "--dir", in.toString(), "--session", "mybot",
          "--dry-run");
      assertEquals(0, dry.code(), dry.err());
      assertTrue(dry.out().contains(keyCount + " keys"), dry.out());
      assertEquals(404, a.get("/v1/sessions/mybot").statusCode(), "a dry run writes nothing");

      for (int i = 0; i < 2; i++) {
        CliRun run = cli(a.env(), "import-baileys", "--url", a.url(), "--dir", in.toString(), "--session", "mybot",
            "--batch-size", "7");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.err().contains("imported " + keyCount + "/" + keyCount + " keys"), run.err());
        assertTrue(run.err().contains("imported 7/" + keyCount + " keys"), "plain progress lines: " + run.err());
      }
      JsonObject status = a.get("/v1/sessions/mybot/status").bodyAsJsonObject();
      assertEquals(keyCount, status.getJsonObject("keyCounts").stream()
          .mapToInt(e -> ((Number) e.getValue()).intValue()).sum(), "importing twice leaves each key once");
      assertTrue(status.getBoolean("hasCreds"));
      assertEquals(new JsonObject(Files.readString(in.resolve("creds.json"))),
          a.get("/v1/sessions/mybot/creds").bodyAsJsonObject());

      // Baileys asks for its real ids (':' and '/' included), not the file names' spelling.
      JsonObject found = a.post("/v1/sessions/mybot/keys/query", new JsonObject().put("type", "sender-key")
          .put("ids", new JsonArray().add("120363041234@g.us::5511999990001::0")
              .add("5511888-1600000000@g.us::5511999990002::3"))).bodyAsJsonObject();
      assertEquals(2, found.size(), found.encode());
      found = a.post("/v1/sessions/mybot/keys/query", new JsonObject().put("type", "app-state-sync-key")
          .put("ids", new JsonArray().add("AAAAAB/cQ+w="))).bodyAsJsonObject();
      assertEquals(keys.get("app-state-sync-key").get("AAAAAB/cQ+w="), found.getValue("AAAAAB/cQ+w="));
      found = a.post("/v1/sessions/mybot/keys/query", new JsonObject().put("type", "tctoken")
          .put("ids", new JsonArray().add("__index"))).bodyAsJsonObject();
      assertEquals(keys.get("tctoken").get("__index"), found.getValue("__index"), found.encode());

      Path out = tmp.resolve("out");
      CliRun dryExport = cli(a.env(), "export-baileys", "--url", a.url(), "--session", "mybot", "--dir", out.toString(),
          "--dry-run");
      assertEquals(0, dryExport.code(), dryExport.err());
      assertFalse(Files.exists(out), "a dry run writes nothing");
      CliRun export = cli(a.env(), "export-baileys", "--url", a.url(), "--session", "mybot", "--dir", out.toString());
      assertEquals(0, export.code(), export.err());
      assertEquals(names(in), names(out));
      for (String name : names(in)) {
        assertEquals(Json.decodeValue(Files.readString(in.resolve(name))),
            Json.decodeValue(Files.readString(out.resolve(name))), name);
      }
    }
  }

  /** The subcommands, as the command line declares them (help included). */
  private static Set<String> subcommands() {
    return Cli.commandLine(new Cli.Context(null, Map.of(), System.out, System.err, false)).getSubcommands().keySet();
  }

  @Test
  void help_onTheJarAndOnEverySubcommand_listsItsOptionsAndTheExitCodes_onStdout() {
    CliRun top = cli(Map.of(), "--help");
    assertEquals(0, top.code(), top.err());
    assertEquals("", top.err());
    assertTrue(top.out().contains("Usage: sessiond [-hV] [COMMAND]"), top.out());
    Set<String> commands = subcommands();
    assertEquals(Set.of("import-baileys", "export-baileys", "import-wwebjs", "backup-tenant", "restore-tenant",
        "migrate", "help"), commands);
    for (String command : commands) {
      assertTrue(top.out().contains("\n  " + command + " "), command + " in " + top.out());
    }
    for (String command : commands) {
      if (command.equals("help")) {
        continue;
      }
      for (String[] args : List.of(new String[] {command, "--help"}, new String[] {command, "-h"},
          new String[] {"help", command})) {
        CliRun help = cli(Map.of(), args);
        assertEquals(0, help.code(), String.join(" ", args) + ": " + help.err());
        assertEquals("", help.err(), String.join(" ", args));
        assertTrue(help.out().contains("Usage: sessiond " + command + " "), help.out());
        assertTrue(help.out().contains("--dry-run") && help.out().contains("Exit codes:")
            && help.out().contains("2   usage error"), help.out());
      }
      // Every option the command declares is described in its help.
      CliRun help = cli(Map.of(), command, "--help");
      Cli.commandLine(new Cli.Context(null, Map.of(), System.out, System.err, false)).getSubcommands().get(command)
          .getCommandSpec().options().forEach(o -> assertTrue(help.out().contains(o.longestName()),
              command + " --help names " + o.longestName()));
    }
    assertTrue(cli(Map.of(), "backup-tenant", "--help").out().contains("--blob=NAME"));
    assertTrue(cli(Map.of(), "migrate", "--help").out().contains("--from-url=URL"));
  }

  @Test
  void version_onTheJarAndOnASubcommand_isTheProjectVersion() throws Exception {
    Matcher m = Pattern.compile("<artifactId>sessiond</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(Files.readString(Path.of("pom.xml")));
    assertTrue(m.find(), "the pom's version");
    for (String[] args : List.of(new String[] {"--version"}, new String[] {"-V"}, new String[] {"migrate", "--version"})) {
      CliRun v = cli(Map.of(), args);
      assertEquals(0, v.code(), v.err());
      assertTrue(v.out().startsWith("sessiond " + m.group(1) + "\n"), v.out());
    }
  }

  @Test
  void usageErrors_exit2_withTwoLinesOnStderr_failures_exit1_withOne() throws Exception {
    assertEquals(2, cli(Map.of()).code());
    assertUsageError(cli(Map.of(), "frobnicate"), "sessiond", "frobnicate");
    assertUsageError(cli(Map.of("SESSIOND_API_KEY", "k"), "import-baileys", "--dir", "x"), "sessiond import-baileys",
        "--session");
    assertUsageError(cli(Map.of(), "export-baileys", "--session", "s", "--dir", "d"), "sessiond export-baileys",
        "--api-key (or SESSIOND_API_KEY) is required");
    assertUsageError(cli(Map.of("SESSIOND_API_KEY", "k"), "backup-tenant", "--out", "o", "--bogus", "1"),
        "sessiond backup-tenant", "--bogus");
    assertUsageError(cli(Map.of("SESSIOND_API_KEY", "k"), "import-baileys", "--dir", "x", "--session", "s",
        "--batch-size", "0"), "sessiond import-baileys", "--batch-size must be a positive whole number");
    assertUsageError(cli(Map.of("SESSIOND_API_KEY", "k"), "import-baileys", "--dir", "x", "--session", "s",
        "--batch-size", "many"), "sessiond import-baileys", "--batch-size");
    assertUsageError(cli(Map.of("SESSIOND_API_KEY", "k"), "import-wwebjs", "--session-id", "b", "--ttl", "-1"),
        "sessiond import-wwebjs", "--ttl must be a whole number");
    assertUsageError(cli(Map.of("SESSIOND_API_KEY", "k"), "restore-tenant", "--in", "f", "--url", "ftp://x"),
        "sessiond restore-tenant", "not an http(s) URL");
    assertUsageError(cli(Map.of(), "migrate", "--from-url", "http://a", "--to-url", "http://b", "--to-api-key", "k"),
        "sessiond migrate", "--from-api-key (or SESSIOND_FROM_API_KEY) is required");
    try (Daemon a = new Daemon()) {
      CliRun wrongKey = cli(Map.of("SESSIOND_API_KEY", "nope"), "export-baileys", "--url", a.url(), "--session", "s",
          "--dir", tmp.resolve("x").toString());
      assertFailure(wrongKey, "sessiond export-baileys", "401");
      CliRun none = cli(a.env(), "export-baileys", "--url", a.url(), "--session", "nosuch", "--dir", tmp.toString());
      assertFailure(none, "sessiond export-baileys", "no session nosuch");
      CliRun noFile = cli(a.env(), "restore-tenant", "--url", a.url(), "--in", tmp.resolve("missing").toString());
      assertFailure(noFile, "sessiond restore-tenant", "no file");
      // A value may start with '@': it is never read as a file of arguments.
      CliRun at = cli(a.env(), "export-baileys", "--url", a.url(), "--session", "@bot", "--dir", tmp.toString());
      assertFailure(at, "sessiond export-baileys", "no session @bot");
    }
  }

  /** Runs {@code io.sessiond.Main} with {@code args} in a child JVM, as {@code java -jar} would. */
  private CliRun main(String... args) throws Exception {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx64m", "-cp", classPath, "io.sessiond.Main"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(tmp.resolve("stderr").toFile());
    pb.environment().remove("SESSIOND_API_KEY");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM ends");
    return new CliRun(p.exitValue(), out, Files.readString(tmp.resolve("stderr")));
  }

  @Test
  void main_withArguments_runsTheCommandLine_helpVersionAndUsageErrors() throws Exception {
    CliRun help = main("import-baileys", "--help");
    assertEquals(0, help.code(), help.err());
    assertTrue(help.out().startsWith("Import a Baileys") && help.out().contains("Usage: sessiond import-baileys"),
        help.out());
    CliRun version = main("--version");
    assertEquals(0, version.code(), version.err());
    assertTrue(version.out().startsWith("sessiond "), version.out());
    CliRun usage = main("import-baileys", "--dir", "x", "--session", "s", "--bogus");
    assertEquals(2, usage.code(), usage.err());
    assertTrue(usage.err().startsWith("sessiond import-baileys: Unknown option: '--bogus'"), usage.err());
  }

  private static void assertUsageError(CliRun run, String command, String detail) {
    assertEquals(2, run.code(), run.err());
    assertEquals("", run.out());
    List<String> lines = run.err().lines().toList();
    assertEquals(2, lines.size(), run.err());
    assertTrue(lines.get(0).startsWith(command + ": ") && lines.get(0).contains(detail), run.err());
    assertEquals("Try '" + command + " --help' for more information.", lines.get(1));
  }

  private static void assertFailure(CliRun run, String command, String detail) {
    assertEquals(1, run.code(), run.err());
    List<String> lines = run.err().lines().toList();
    assertEquals(1, lines.size(), run.err());
    assertTrue(lines.get(0).startsWith(command + " failed: ") && lines.get(0).contains(detail), run.err());
  }

  /** Blobs of {@link #fill}: session → name → bytes (one large, several chunks; one empty). */
  private static Map<String, Map<String, byte[]>> blobs() {
    Map<String, Map<String, byte[]>> blobs = new HashMap<>();
    byte[] zip = new byte[1_300_000];
    RANDOM.nextBytes(zip);
    byte[] small = new byte[1000];
    RANDOM.nextBytes(small);
    byte[] other = new byte[3000];
    RANDOM.nextBytes(other);
    blobs.put("bot-1", Map.of("RemoteAuth.zip", zip, "media-1.bin", small, "empty", new byte[0]));
    blobs.put("15551234567@s.whatsapp.net", Map.of("state_v2.json", other));
    return blobs;
  }

  /** Two sessions with data, creds, keys and messages, and the blobs of {@link #blobs()}; answers those blobs. */
  private static Map<String, Map<String, byte[]>> fill(Daemon a) throws Exception {
    Map<String, Map<String, byte[]>> blobs = blobs();
    for (String id : List.of("bot-1", "15551234567@s.whatsapp.net")) {
      assertEquals(201, a.put("/v1/sessions/" + id, new JsonObject().put("data", new JsonObject().put("n", id))
          .put("creds", new JsonObject().put("me", id))).statusCode());
      JsonObject batch = new JsonObject();
      for (int i = 0; i < 25; i++) {
        batch.put("pre-key", batch.getJsonObject("pre-key", new JsonObject()).put("k" + i, buffer(16)));
      }
      batch.put("session", new JsonObject().put("a:b/c", buffer(40)));
      assertTrue(a.post("/v1/sessions/" + id + "/keys", batch).statusCode() < 300);
      JsonArray msgs = new JsonArray();
      for (int i = 0; i < 5; i++) {
        msgs.add(new JsonObject().put("role", "user").put("content", "hello " + i));
      }
      assertTrue(a.post("/v1/sessions/" + id + "/messages", msgs).statusCode() < 300);
    }
    for (Map.Entry<String, Map<String, byte[]>> s : blobs.entrySet()) {
      for (Map.Entry<String, byte[]> b : s.getValue().entrySet()) {
        HttpResponse<Buffer> r = await(a.d.api(a.tenant).request(io.vertx.core.http.HttpMethod.PUT,
            "/v1/sessions/" + s.getKey() + "/blobs/" + b.getKey()).putHeader("Content-Type", "application/octet-stream")
            .sendBuffer(Buffer.buffer(b.getValue())));
        assertTrue(r.statusCode() < 300, r.bodyAsString());
      }
    }
    return blobs;
  }

  /** The blob names of a session, from the listing. */
  private static List<String> blobNames(Daemon d, String id) throws Exception {
    HttpResponse<Buffer> r = d.get("/v1/sessions/" + id + "/blobs");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    return r.bodyAsJsonObject().getJsonArray("blobs").stream().map(b -> ((JsonObject) b).getString("name")).toList();
  }

  /** Same data, creds, keys, state, messages and versions, and exactly {@code blobs}, byte for byte, at b. */
  private static void assertSameSessions(Daemon a, Daemon b, Map<String, Map<String, byte[]>> blobs) throws Exception {
    for (String id : List.of("bot-1", "15551234567@s.whatsapp.net")) {
      JsonObject x = a.export(id);
      JsonObject y = b.export(id);
      for (String field : List.of("data", "creds", "keys", "state", "ttlSeconds", "version")) {
        assertEquals(x.getValue(field), y.getValue(field), id + " " + field);
      }
      assertEquals(strip(x.getJsonArray("messages")), strip(y.getJsonArray("messages")), id + " messages");
      Map<String, byte[]> expected = blobs.getOrDefault(id, Map.of());
      assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(blobNames(b, id)), id + " blobs at the destination");
      for (Map.Entry<String, byte[]> blob : expected.entrySet()) {
        HttpResponse<Buffer> got = b.get("/v1/sessions/" + id + "/blobs/" + blob.getKey());
        assertEquals(200, got.statusCode(), id + " " + blob.getKey());
        byte[] bytes = got.body() == null ? new byte[0] : got.body().getBytes(); // an empty body is null
        assertTrue(java.util.Arrays.equals(blob.getValue(), bytes), id + " " + blob.getKey()
            + " byte for byte");
      }
    }
  }

  private static List<Object> strip(JsonArray messages) {
    List<Object> l = new ArrayList<>();
    messages.forEach(m -> l.add(((JsonObject) m).copy().put("seq", null)));
    return l;
  }

  @Test
  void backupTenant_thenRestoreIntoAnotherDaemon_sameSessionsKeysMessagesAndBlobs() throws Exception {
    try (Daemon a = new Daemon(); Daemon b = new Daemon()) {
      Map<String, Map<String, byte[]>> blobs = fill(a);
      Path file = tmp.resolve("tenant.ndjson");
      CliRun dry = cli(a.env(), "backup-tenant", "--url", a.url(), "--out", file.toString(), "--dry-run");
      assertEquals(0, dry.code(), dry.err());
      assertFalse(Files.exists(file));
      CliRun backup = cli(a.env(), "backup-tenant", "--url", a.url(), "--out", file.toString());
      assertEquals(0, backup.code(), backup.err());
      assertTrue(backup.out().contains("backed up 2 sessions and 4 blobs"), backup.out());
      assertEquals(6, Files.readAllLines(file).size(), "two sessions and four blobs, one line each");
      CliRun resumed = cli(a.env(), "backup-tenant", "--url", a.url(), "--out", file.toString(), "--resume");
      assertEquals(0, resumed.code(), resumed.err());
      assertEquals(6, Files.readAllLines(file).size(), "a resumed backup adds nothing already there");

      CliRun dryRestore = cli(b.env(), "restore-tenant", "--url", b.url(), "--in", file.toString(), "--dry-run");
      assertEquals(0, dryRestore.code(), dryRestore.err());
      assertEquals(0, b.get("/v1/sessions").bodyAsJsonObject().getJsonArray("sessions").size());
      CliRun restore = cli(b.env(), "restore-tenant", "--url", b.url(), "--in", file.toString());
      assertEquals(0, restore.code(), restore.err());
      assertSameSessions(a, b, blobs);
      CliRun again = cli(b.env(), "restore-tenant", "--url", b.url(), "--in", file.toString());
      assertEquals(0, again.code(), again.err());
      assertTrue(again.out().contains("restored 0 sessions") && again.out().contains("2 skipped"), again.out());
      assertSameSessions(a, b, blobs);
    }
  }

  @Test
  void backupTenant_blobOption_restrictsTheBlobs_andNoBlobs_copiesNone() throws Exception {
    try (Daemon a = new Daemon(); Daemon b = new Daemon(); Daemon c = new Daemon()) {
      Map<String, Map<String, byte[]>> blobs = fill(a);
      Path some = tmp.resolve("some.ndjson");
      CliRun backup = cli(a.env(), "backup-tenant", "--url", a.url(), "--out", some.toString(), "--blob", "RemoteAuth.zip",
          "--blob", "state_v2.json", "--blob", "not-there");
      assertEquals(0, backup.code(), backup.err());
      assertTrue(backup.out().contains("backed up 2 sessions and 2 blobs"), backup.out());
      CliRun restore = cli(b.env(), "restore-tenant", "--url", b.url(), "--in", some.toString());
      assertEquals(0, restore.code(), restore.err());
      assertEquals(List.of("RemoteAuth.zip"), blobNames(b, "bot-1"));
      assertEquals(List.of("state_v2.json"), blobNames(b, "15551234567@s.whatsapp.net"));

      Path none = tmp.resolve("none.ndjson");
      CliRun noBlobs = cli(a.env(), "backup-tenant", "--url", a.url(), "--out", none.toString(), "--no-blobs");
      assertEquals(0, noBlobs.code(), noBlobs.err());
      assertEquals(2, Files.readAllLines(none).size(), "two sessions, no blob line");
      assertEquals(0, cli(c.env(), "restore-tenant", "--url", c.url(), "--in", none.toString()).code());
      assertEquals(List.of(), blobNames(c, "bot-1"));

      CliRun both = cli(a.env(), "backup-tenant", "--url", a.url(), "--out", none.toString(), "--no-blobs", "--blob", "x");
      assertEquals(2, both.code(), both.err());
    }
  }

  @Test
  void migrate_copiesEverySessionAndItsBlobs_andVerifiesCounts() throws Exception {
    try (Daemon a = new Daemon(); Daemon b = new Daemon()) {
      Map<String, Map<String, byte[]>> blobs = fill(a);
      String[] args = {"migrate", "--from-url", a.url(), "--from-api-key", a.key, "--to-url", b.url(),
          "--to-api-key", b.key};
      CliRun run = cli(Map.of(), args);
      assertEquals(0, run.code(), run.err());
      assertTrue(run.out().contains("copied 2 sessions and 4 blobs"), run.out());
      assertTrue(run.out().contains("verified: 2 sessions"), run.out());
      assertSameSessions(a, b, blobs);
      CliRun again = cli(Map.of(), args);
      assertEquals(0, again.code(), again.err());
      assertTrue(again.out().contains("2 skipped"), again.out());

      // The source moves on (one more message, not copied): verification names the mismatch.
      a.post("/v1/sessions/bot-1/messages", new JsonObject().put("role", "user").put("content", "late"));
      CliRun stale = cli(Map.of(), "migrate", "--from-url", a.url(), "--from-api-key", a.key, "--to-url", b.url(),
          "--to-api-key", b.key, "--dry-run");
      assertEquals(0, stale.code(), stale.err());
      assertTrue(stale.out().contains("1 to copy"), stale.out());
      assertEquals(1, verify(a, b).code());
    }
  }

  private static CliRun verify(Daemon a, Daemon b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = TenantCommands.verify(new Cli.Context(null, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false), new DaemonClient(a.url(), a.key),
        new DaemonClient(b.url(), b.key), TenantCommands.BlobFilter.of(false, List.of()));
    return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void migrate_verification_namesABlobMissingOrDifferentAtTheDestination() throws Exception {
    try (Daemon a = new Daemon(); Daemon b = new Daemon()) {
      fill(a);
      CliRun run = cli(Map.of(), "migrate", "--from-url", a.url(), "--from-api-key", a.key, "--to-url", b.url(),
          "--to-api-key", b.key);
      assertEquals(0, run.code(), run.err());
      assertTrue(run.out().contains("blob names and sizes match"), run.out());
      assertEquals(204, await(b.d.api(b.tenant).delete("/v1/sessions/bot-1/blobs/media-1.bin")).statusCode());
      HttpResponse<Buffer> r = await(b.d.api(b.tenant).request(io.vertx.core.http.HttpMethod.PUT,
          "/v1/sessions/bot-1/blobs/empty").putHeader("Content-Type", "application/octet-stream")
          .sendBuffer(Buffer.buffer(new byte[] {1})));
      assertEquals(204, r.statusCode(), r.bodyAsString());
      CliRun verify = verify(a, b);
      assertEquals(1, verify.code(), verify.err());
      assertTrue(verify.err().contains("mismatch: bot-1: blobs (name=bytes) {RemoteAuth.zip=1300000, empty=1} at the "
          + "destination, {RemoteAuth.zip=1300000, empty=0, media-1.bin=1000} at the source"), verify.err());
      assertTrue(verify.err().contains("verification failed: 1 mismatches"), verify.err());
    }
  }

  @Test
  void importWwebjs_uploadsTheProfileAsAZipBlob() throws Exception {
    try (Daemon a = new Daemon()) {
      Path profile = tmp.resolve(".wwebjs_auth/session-bot1");
      Map<String, byte[]> files = new HashMap<>();
      files.put("Default/Local Storage/leveldb/000003.log", "local storage".getBytes(StandardCharsets.UTF_8));
      files.put("Default/IndexedDB/https_web.whatsapp.com_0.indexeddb.leveldb/CURRENT",
          "MANIFEST-000001\n".getBytes(StandardCharsets.UTF_8));
      byte[] big = new byte[1_200_000];
      RANDOM.nextBytes(big);
      files.put("Default/Cookies", big);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Files.createDirectories(profile.resolve(f.getKey()).getParent());
        Files.write(profile.resolve(f.getKey()), f.getValue());
      }
      CliRun run = cli(a.env(), "import-wwebjs", "--url", a.url(), "--dir", tmp.resolve(".wwebjs_auth").toString(),
          "--session-id", "bot1");
      assertEquals(0, run.code(), run.err());
      HttpResponse<Buffer> r = a.get("/v1/sessions/RemoteAuth-bot1/blobs/RemoteAuth.zip");
      assertEquals(200, r.statusCode());
      Map<String, byte[]> unzipped = new HashMap<>();
      try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(r.body().getBytes()))) {
        for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
          unzipped.put(e.getName(), z.readAllBytes());
        }
      }
      assertEquals(files.keySet(), unzipped.keySet());
      files.forEach((name, bytes) -> assertTrue(java.util.Arrays.equals(bytes, unzipped.get(name)), name));
      assertNotNull(run.out());
    }
  }
  @Test
  void remoteAuthSessionId_isTheNodeStoresMapping() {
    // Values computed by remoteAuthSessionId of clients/node/src/wwebjs.cjs.
    assertEquals("RemoteAuth-bot1", WwebjsCommand.remoteAuthSessionId("RemoteAuth-bot1"));
    assertEquals("RemoteAuth-bot_1", WwebjsCommand.remoteAuthSessionId("RemoteAuth-bot_1"));
    assertEquals("RemoteAuth-" + "a".repeat(84) + ".0f95d12e9c46a90a38066b8b7020f7c4",
        WwebjsCommand.remoteAuthSessionId("RemoteAuth-" + "a".repeat(120)));
    assertEquals("RemoteAuth-my-bot-" + "x".repeat(77) + ".1ad6fe9aec9f90d36ac27f643a465ad6",
        WwebjsCommand.remoteAuthSessionId("RemoteAuth-my_bot_" + "x".repeat(120)));
  }

  @Test
  void importWwebjs_withAClientIdTooLongForAnId_usesTheSessionTheNodeStoreLooksFor() throws Exception {
    String clientId = "my_bot_" + "x".repeat(120);
    String session = "RemoteAuth-my-bot-" + "x".repeat(77) + ".1ad6fe9aec9f90d36ac27f643a465ad6";
    try (Daemon a = new Daemon()) {
      Path profile = tmp.resolve(".wwebjs_auth/session-" + clientId);
      Files.createDirectories(profile.resolve("Default"));
      Files.writeString(profile.resolve("Default/Preferences"), "{}");
      CliRun run = cli(a.env(), "import-wwebjs", "--url", a.url(), "--dir", tmp.resolve(".wwebjs_auth").toString(),
          "--session-id", clientId);
      assertEquals(0, run.code(), run.err());
      assertTrue(run.out().contains("of session " + session), run.out());
      HttpResponse<Buffer> r = a.get("/v1/sessions/" + session);
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals("RemoteAuth-" + clientId, r.bodyAsJsonObject().getJsonObject("data").getString("session"));
      assertEquals(200, a.get("/v1/sessions/" + session + "/blobs/RemoteAuth.zip").statusCode());
    }
  }
}
