package io.sessiond.http.fuzz;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * The causes of the daemon's 500s, by correlation id, read from its log (the daemon runs in the
 * test's JVM): a 500 answers only a correlation id, and the report should say what failed.
 */
final class DaemonFailures extends AppenderBase<ILoggingEvent> {
  private static final Pattern CORRELATION = Pattern.compile("correlation id ([0-9a-f-]{36})");
  private final Map<String, String> causes = new ConcurrentHashMap<>();
  private final Logger problems = (Logger) LoggerFactory.getLogger("io.sessiond.http.Problems");

  void attach() {
    start();
    problems.addAppender(this);
  }

  void detach() {
    problems.detachAppender(this);
    stop();
  }

  @Override
  protected void append(ILoggingEvent event) {
    Matcher m = CORRELATION.matcher(event.getFormattedMessage());
    IThrowableProxy t = event.getThrowableProxy();
    if (m.find() && t != null) {
      String where = t.getStackTraceElementProxyArray().length == 0 ? ""
          : " at " + t.getStackTraceElementProxyArray()[0].getStackTraceElement();
      causes.put(m.group(1), t.getClassName() + ": " + t.getMessage() + where);
    }
  }

  /** What the daemon logged for the 500 whose body is {@code body}, or null. */
  String causeOf(String body) {
    Matcher m = CORRELATION.matcher(body);
    return m.find() ? causes.get(m.group(1)) : null;
  }
}
