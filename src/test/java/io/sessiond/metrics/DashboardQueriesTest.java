package io.sessiond.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.TestDaemon;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every metric the Grafana dashboard queries is exported by a running daemon: the names are taken
 * from each panel's PromQL ({@code expr}) and looked up among the sample names of {@code /metrics}.
 */
@ExtendWith(VertxExtension.class)
class DashboardQueriesTest {
  private static final Path DASHBOARD = Path.of("grafana/dashboards/sessiond.json");
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "bool", "offset", "and", "or", "unless", "inf", "nan");

  @Test
  void everyMetricTheDashboardQueries_isExported(Vertx vertx, VertxTestContext ctx) throws Exception {
    JsonObject dashboard = new JsonObject(Files.readString(DASHBOARD));
    List<String> exprs = new ArrayList<>();
    collectExprs(dashboard.getJsonArray("panels"), exprs);
    Set<String> queried = new TreeSet<>();
    exprs.forEach(e -> queried.addAll(metricNames(e)));
    String tenant = TestDaemon.freshTenant();
    TestDaemon.builder().tenant(tenant).start(vertx)
        .compose(d -> d.api(tenant).create(TestDaemon.freshSession(), new JsonObject())
            .compose(r -> d.api(tenant).get("/v1/sessions/" + TestDaemon.freshSession())) // one rejection
            .compose(r -> io.sessiond.testing.Poll.until(vertx, 5000, 100, "the tenant gauges exist",
                () -> d.client().get("/metrics").send().map(m -> m.bodyAsString().contains("sessiond_sessions{"))))
            .compose(v -> d.client().get("/metrics").send()).eventually(d::stop))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertTrue(exprs.size() >= 20, "the dashboard has " + exprs.size() + " queries");
          Set<String> exported = sampleNames(r.bodyAsString());
          Set<String> missing = new TreeSet<>(queried);
          missing.removeAll(exported);
          assertEquals(Set.of(), missing, "queried by the dashboard but not exported; exported: " + exported);
          ctx.completeNow();
        })));
  }

  @Test
  void metricNames_areFoundInPromQl() {
    assertEquals(Set.of("a_total", "b_seconds_bucket"), metricNames(
        "histogram_quantile(0.95, sum by (le, route) (rate(b_seconds_bucket{x=\"y_z\"}[5m]))) / sum(a_total) and on() c"
            .replace(" and on() c", " / a_total")));
    assertEquals(Set.of("m_up"), metricNames("min by (check) (m_up{check=\"store\"}) > 0"));
    assertEquals(Set.of("a", "b2"), metricNames("a / clamp_min(b2, 1e-9) * 100"));
  }

  private static void collectExprs(JsonArray panels, List<String> into) {
    for (Object p : panels) {
      JsonObject panel = (JsonObject) p;
      JsonArray targets = panel.getJsonArray("targets", new JsonArray());
      targets.forEach(t -> into.add(((JsonObject) t).getString("expr")));
      collectExprs(panel.getJsonArray("panels", new JsonArray()), into);
    }
  }

  /** Identifiers of a PromQL expression that name series: not functions, keywords, labels or literals. */
  static Set<String> metricNames(String expr) {
    String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")   // string literals
        .replaceAll("(?<![\\w.])\\d+(\\.\\d+)?([eE][+-]?\\d+)?", " ")              // numbers (1e-9)
        .replaceAll("\\{[^}]*}", " ")                                   // label matchers
        .replaceAll("\\[[^]]*]", " ")                                   // range durations
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " "); // label lists
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\s*\\()?").matcher(s);
    while (m.find()) {
      String word = m.group().replaceAll("[\\s(]", "");
      boolean function = m.group(1) != null;
      if (!function && !KEYWORDS.contains(word.toLowerCase()) && !word.startsWith("$")
          && (m.start() == 0 || s.charAt(m.start() - 1) != '$')) {
        names.add(word);
      }
    }
    return names;
  }

  private static Set<String> sampleNames(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }
}
