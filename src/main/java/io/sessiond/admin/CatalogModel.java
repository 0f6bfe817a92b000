package io.sessiond.admin;

import io.sessiond.admin.CatalogCommand.CreateTenant;
import io.sessiond.admin.CatalogCommand.DeleteTenant;
import io.sessiond.admin.CatalogCommand.IssueKey;
import io.sessiond.admin.CatalogCommand.RevokeKey;
import io.sessiond.admin.CatalogCommand.Seed;
import io.sessiond.admin.CatalogCommand.UpdateLimits;
import io.sessiond.admin.TenantDoc.KeyDoc;
import io.sessiond.tenant.TenantLimits;
import io.sessiond.tenant.TenantSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The catalog's rules, in one place for every backend: what a command changes (the tenant documents
 * to write) or why it is refused. Pure: each backend applies the result atomically its own way (a
 * compare-and-set script on Redis, a locked transaction on PostgreSQL, a lock in the process).
 */
final class CatalogModel {
  /** Keys one tenant may hold at once: enough to rotate, few enough that a request scans them all. */
  static final int MAX_KEYS_PER_TENANT = 100;

  private CatalogModel() {
  }

  /** The documents {@code command} writes; empty when it changes nothing. */
  static List<TenantDoc> apply(Catalog catalog, CatalogCommand command, long now) {
    if (command instanceof CreateTenant c) {
      return create(catalog, c, now);
    }
    if (command instanceof UpdateLimits u) {
      return List.of(update(existing(catalog, u.tenant()), u));
    }
    if (command instanceof DeleteTenant d) {
      return delete(catalog, d);
    }
    if (command instanceof IssueKey k) {
      return List.of(issue(catalog, k, now));
    }
    if (command instanceof RevokeKey r) {
      return List.of(revoke(existing(catalog, r.tenant()), r.keyId()));
    }
    return seed(catalog, ((Seed) command).tenants(), now);
  }

  private static List<TenantDoc> delete(Catalog catalog, DeleteTenant d) {
    TenantDoc old = catalog.tenants().get(d.tenant());
    if (old != null && old.deleted()) {
      return List.of(); // deleted already: a second delete only runs the data removal again
    }
    TenantDoc t = existing(catalog, d.tenant());
    Set<String> revoked = new HashSet<>(t.revoked());
    t.keys().forEach(k -> revoked.add(k.sha256()));
    return List.of(new TenantDoc(t.id(), t.limits(), t.createdAt(), List.of(), revoked, true));
  }

  private static List<TenantDoc> create(Catalog catalog, CreateTenant c, long now) {
    if (catalog.live(c.tenant()) != null) {
      throw new AdminException(AdminFailure.EXISTS, "tenant '" + c.tenant() + "' exists");
    }
    // Re-creating a deleted tenant starts afresh, but its revoked keys stay revoked.
    TenantDoc old = catalog.tenants().get(c.tenant());
    return List.of(new TenantDoc(c.tenant(), c.limits(), now, List.of(), old == null ? Set.of() : old.revoked(), false));
  }

  private static TenantDoc update(TenantDoc t, UpdateLimits u) {
    TenantLimits l = t.limits();
    return t.withLimits(new TenantLimits(
        u.maxSessions() == null ? l.maxSessions() : u.maxSessions(),
        u.maxBytesPerSession() == null ? l.maxBytesPerSession() : u.maxBytesPerSession(),
        u.requestsPerSecond() == null ? l.requestsPerSecond() : u.requestsPerSecond()));
  }

  private static TenantDoc issue(Catalog catalog, IssueKey k, long now) {
    TenantDoc t = existing(catalog, k.tenant());
    if (t.keys().size() >= MAX_KEYS_PER_TENANT) {
      throw new AdminException(AdminFailure.LIMIT_REACHED, "tenant '" + t.id() + "' holds " + MAX_KEYS_PER_TENANT
          + " keys, the most it may; revoke one first");
    }
    if (catalog.ownerOf(k.sha256()) != null || t.keys().stream().anyMatch(d -> d.id().equals(k.keyId()))) {
      // A fresh random key never collides; this guards the catalog's one-key-one-tenant rule.
      throw new AdminException(AdminFailure.EXISTS, "that key or key id is in use already");
    }
    List<KeyDoc> keys = new ArrayList<>(t.keys());
    keys.add(new KeyDoc(k.keyId(), k.sha256(), now));
    return t.withKeys(keys, t.revoked());
  }

  private static TenantDoc revoke(TenantDoc t, String keyId) {
    KeyDoc key = t.keys().stream().filter(k -> k.id().equals(keyId)).findFirst()
        .orElseThrow(() -> new AdminException(AdminFailure.NOT_FOUND, "tenant '" + t.id() + "' has no key '" + keyId + "'"));
    List<KeyDoc> keys = new ArrayList<>(t.keys());
    keys.remove(key);
    Set<String> revoked = new HashSet<>(t.revoked());
    revoked.add(key.sha256());
    return t.withKeys(keys, revoked);
  }

  /**
   * Declared tenants join the catalog: a tenant it does not know is created with its limits and keys;
   * a known one gains the declared keys it lacks (limits set over the API win). Nothing revoked or
   * deleted over the API comes back: a revoked key stays revoked, a deleted tenant stays deleted.
   */
  private static List<TenantDoc> seed(Catalog catalog, List<TenantSpec> declared, long now) {
    Map<String, TenantDoc> changed = new LinkedHashMap<>();
    for (TenantSpec s : declared) {
      TenantDoc old = catalog.tenants().get(s.id());
      if (old != null && old.deleted()) {
        continue;
      }
      TenantDoc t = old != null ? old : new TenantDoc(s.id(), s.limits(), now, List.of(), Set.of(), false);
      List<KeyDoc> keys = new ArrayList<>(t.keys());
      for (String digest : s.keyDigests()) {
        boolean held = keys.stream().anyMatch(k -> k.sha256().equals(digest));
        String owner = catalog.ownerOf(digest);
        if (!held && !t.revoked().contains(digest) && (owner == null || owner.equals(s.id()))) {
          keys.add(new KeyDoc("declared-" + digest.substring(0, 12), digest, now));
        }
      }
      if (old == null || keys.size() != old.keys().size()) {
        changed.put(s.id(), t.withKeys(keys, t.revoked()));
      }
    }
    return List.copyOf(changed.values());
  }

  private static TenantDoc existing(Catalog catalog, String id) {
    TenantDoc t = catalog.live(id);
    if (t == null) {
      throw new AdminException(AdminFailure.NOT_FOUND, "there is no tenant '" + id + "'");
    }
    return t;
  }
}
