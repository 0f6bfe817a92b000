package io.sessiond.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.session.Session;
import io.sessiond.session.SessionState;
import io.sessiond.store.BulkFrames;
import io.sessiond.store.FramedKeys;
import io.sessiond.store.FramedMessages;
import io.sessiond.store.RequestChecks;
import io.sessiond.testing.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A restore's keys and messages as PostgreSQL frames them, on a real PostgreSQL: decoded, they are exactly what
 * reading the rows one by one gives (values with CR/LF, {@code $}, empty, multi-byte and large; messages in seq order),
 * and each frame's length is its value's UTF-8 size.
 */
@ExtendWith(VertxExtension.class)
class FramedRowsTest {
  private static final String TENANT = "framed";
  private static final List<String> VALUES = List.of("", "line\r\nbreak $3\r\nabc\r\n", "ключ 🔑 \n\r", "\r\n", "$-1\r\n",
      "{\"plain\":1}", "é🔑\r\n".repeat(50_000));

  @Test
  void framedKeysAndMessages_decodeToWhatTheRowsGive(Vertx vertx, VertxTestContext ctx) {
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(TestPostgres.newDatabase()
        .replace("postgres://", "postgresql://"))).using(vertx).build();
    List<Session> sessions = List.of(session("a-keys-and-messages"), session("b-nothing"), session("c-many"),
        session("d-messages-only"));
    Migrations.packaged().migrate(pool)
        .compose(n -> seed(pool, sessions))
        .compose(v -> Future.all(new DurableRows(pool, false).read(TENANT, sessions),
            new DurableRows(pool, true).read(TENANT, sessions)))
        .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          List<DurableRows.Restorable> rows = both.resultAt(0);
          List<DurableRows.Restorable> framed = both.resultAt(1);
          assertEquals(sessions.size(), framed.size());
          for (int i = 0; i < sessions.size(); i++) {
            var expected = rows.get(i).export();
            var got = framed.get(i).export();
            String id = sessions.get(i).id();
            RequestChecks.export(got);
            assertEquals(new ArrayList<>(expected.keys().keySet()), new ArrayList<>(got.keys().keySet()), id);
            for (var type : expected.keys().entrySet()) {
              assertEquals(type.getValue(), got.keys().get(type.getKey()), id + " " + type.getKey() + ": the same pairs");
            }
            assertEquals(expected.messages(), got.messages(), id);
            if (got.keys() instanceof FramedKeys f) {
              f.types().forEach(t -> assertFramesAreUtf8Sizes(t.frames()));
            }
            if (got.messages() instanceof FramedMessages m) {
              assertFramesAreUtf8Sizes(m.frames());
              assertEquals(expected.messages().get(expected.messages().size() - 1).seq(), m.lastSeq(), id);
            }
          }
          assertTrue(framed.get(0).export().keys() instanceof FramedKeys, "keys read framed");
          assertTrue(framed.get(0).export().messages() instanceof FramedMessages, "messages read framed");
          assertEquals(2, rows.get(0).export().keys().size());
          assertEquals(1_500, rows.get(2).export().keys().get("pre-key").size());
          assertEquals(VALUES.size() * 3, rows.get(0).export().messages().size());
          assertTrue(framed.get(1).export().keys().isEmpty() && framed.get(1).export().messages().isEmpty());
          pool.close();
          ctx.completeNow();
        })));
  }

  private static void assertFramesAreUtf8Sizes(io.vertx.core.buffer.Buffer frames) {
    BulkFrames f = new BulkFrames(frames);
    while (f.next()) {
      assertEquals(f.text().getBytes(StandardCharsets.UTF_8).length, f.length());
    }
  }

  private static Session session(String id) {
    return new Session(id, SessionState.CONNECTED, "{}", null, 1, 1_000, 1_000, 1_000, 0, 0);
  }

  private static Future<Void> seed(Pool pool, List<Session> sessions) {
    List<Tuple> rows = new ArrayList<>();
    for (Session s : sessions) {
      rows.add(Tuple.of(TENANT, s.id()));
    }
    List<Tuple> keys = new ArrayList<>();
    List<Tuple> messages = new ArrayList<>();
    String a = sessions.get(0).id();
    for (int i = 0; i < VALUES.size(); i++) {
      keys.add(Tuple.of(TENANT, a, "pre-key", i % 2 == 0 ? Integer.toString(i) : "$" + i + "\r\nid é", VALUES.get(i)));
      keys.add(Tuple.of(TENANT, a, "session", "ü" + i + "@s.whatsapp.net", VALUES.get(VALUES.size() - 1 - i)));
    }
    // Not consecutive, and out of order as inserted: the frames follow seq.
    for (int i = VALUES.size() * 3; i >= 1; i--) {
      messages.add(Tuple.of(TENANT, a, (long) i * 7, "{\"seq\":" + i * 7 + ",\r\n\"t\":\"" + VALUES.get(i % VALUES.size()) + "\"}"));
      messages.add(Tuple.of(TENANT, sessions.get(3).id(), (long) i, "{\"seq\":" + i + "}"));
    }
    for (int i = 1500; i >= 1; i--) {
      keys.add(Tuple.of(TENANT, sessions.get(2).id(), "pre-key", Integer.toString(i), "{\"k\":\"ключ " + i + "\"}"));
    }
    return pool.query("INSERT INTO tenants (id) VALUES ('" + TENANT + "')").execute()
        .compose(r -> pool.preparedQuery("INSERT INTO sessions (tenant, id, state, data, version, created_at, updated_at,"
            + " activity_at, ttl_seconds, expires_at) VALUES ($1, $2, 'connected', '{}', 1, 1000, 1000, 1000, 0, 0)")
            .executeBatch(rows))
        .compose(r -> pool.preparedQuery("INSERT INTO keys (tenant, session_id, type, key_id, value) VALUES ($1, $2, $3, $4, $5)")
            .executeBatch(keys))
        .compose(r -> pool.preparedQuery("INSERT INTO messages (tenant, session_id, seq, body) VALUES ($1, $2, $3, $4)")
            .executeBatch(messages))
        .mapEmpty();
  }
}
