package io.sessiond.store.redis;

import io.sessiond.store.redis.LuaScripts.Script;
import java.util.HashMap;
import java.util.Map;

/**
 * The store's scripts as one Redis function library (Redis 7: {@code FUNCTION LOAD} once, {@code FCALL}
 * per call). A script run by EVALSHA runs common.lua's prelude on every call (its ~30 local functions
 * and constants are made anew each time: about a third of a write script's Redis time); in the library
 * the prelude runs once, at load, and each function only binds the call to its session's keys.
 * <p>
 * The library holds the scripts as this store runs them (with its change recording and event-log
 * settings in the prelude), so its name and its functions' names carry a hash of its text: instances
 * of other versions or settings on the same Redis load libraries of their own beside it, and one of
 * the same version and settings loads the same one again ({@code REPLACE}). Not used on Redis Cluster
 * (a library must be loaded on every master, including one that joins or is promoted later) nor where
 * Redis refuses it (before 7.0, an ACL without {@code FUNCTION}): scripts then run by EVALSHA as before.
 */
final class LuaLibrary {
  final String name;
  final String source;
  private final Map<String, String> functions = new HashMap<>();

  private LuaLibrary(String name, String source, Map<String, String> functions) {
    this.name = name;
    this.source = source;
    this.functions.putAll(functions);
  }

  /** The function that runs {@code script} (the exact variant: same SHA), or {@code null} when the library has none. */
  String function(Script script) {
    return functions.get(script.sha());
  }

  static LuaLibrary of(LuaScripts scripts, ChangeRecording recording) {
    // Within each function KEYS and ARGV are these upvalues, so the scripts' text runs unchanged.
    StringBuilder text = new StringBuilder("local KEYS, ARGV\n")
        .append(recording.prelude(LuaScripts.common())).append('\n')
        .append(LuaScripts.parts()).append('\n');
    for (Script s : scripts.all()) {
      text.append("\n-- ").append(s.name()).append('\n').append(s.body()).append('\n');
    }
    String hash = LuaScripts.sha1(text.toString()).substring(0, 12);
    String name = "sessiond_" + hash;
    StringBuilder source = new StringBuilder("#!lua name=").append(name).append('\n')
        .append("local KEYS, ARGV\n")
        .append(recording.prelude(LuaScripts.common())).append('\n')
        .append(LuaScripts.parts()).append('\n');
    Map<String, String> functions = new HashMap<>();
    for (Script s : scripts.all()) {
      String function = name + "_" + s.name();
      source.append("\nredis.register_function('").append(function).append("', function(keys, args)\n")
          .append("KEYS, ARGV = keys, args\n");
      if (s.session()) {
        source.append("bind()\n");
      }
      source.append(s.body()).append("\nend)\n");
      functions.put(recording.of(s).sha(), function);
    }
    return new LuaLibrary(name, source.toString(), functions);
  }
}
