package io.sessiond.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value}, {@code --name=value} and flags; every option is checked against the command's list. */
final class Args {
  private final Map<String, List<String>> values = new HashMap<>();
  private final Set<String> flags;

  private Args(Set<String> flags) {
    this.flags = flags;
  }

  static Args parse(List<String> argv, Set<String> options, Set<String> flags) {
    Args a = new Args(flags);
    for (int i = 0; i < argv.size(); i++) {
      String arg = argv.get(i);
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument '" + arg + "'");
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (flags.contains(name)) {
        if (value != null) {
          throw new UsageException("--" + name + " takes no value");
        }
        a.values.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
        continue;
      }
      if (!options.contains(name)) {
        throw new UsageException("unknown option --" + name);
      }
      if (value == null) {
        if (i + 1 >= argv.size()) {
          throw new UsageException("--" + name + " needs a value");
        }
        value = argv.get(++i);
      }
      a.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return a;
  }

  boolean flag(String name) {
    return values.containsKey(name);
  }

  String get(String name, String fallback) {
    List<String> v = values.get(name);
    return v == null ? fallback : v.get(v.size() - 1);
  }

  String required(String name) {
    String v = get(name, null);
    if (v == null || v.isEmpty()) {
      throw new UsageException("--" + name + " is required");
    }
    return v;
  }

  List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  int positiveInt(String name, int fallback) {
    String v = get(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a positive whole number");
    }
  }

  long nonNegativeLong(String name, long fallback) {
    String v = get(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a whole number ≥ 0");
    }
  }
}
