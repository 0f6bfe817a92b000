-- sessiond's durable copy. Documents, key values and messages are kept as text, byte for byte as
-- Redis holds them (jsonb would reorder members and drop duplicate keys). Times are epoch
-- milliseconds as in the API; expires_at 0 means the session never expires.
CREATE TABLE tenants (
  id         text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  tenant      text   NOT NULL REFERENCES tenants (id),
  id          text   NOT NULL,
  state       text   NOT NULL,
  data        text   NOT NULL,
  creds       text,
  version     bigint NOT NULL,
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL,
  activity_at bigint NOT NULL,
  ttl_seconds bigint NOT NULL,
  expires_at  bigint NOT NULL,
  synced_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, id)
);
CREATE INDEX sessions_expiring ON sessions (expires_at) WHERE expires_at > 0;

CREATE TABLE keys (
  tenant     text NOT NULL,
  session_id text NOT NULL,
  type       text NOT NULL,
  key_id     text NOT NULL,
  value      text NOT NULL,
  PRIMARY KEY (tenant, session_id, type, key_id),
  FOREIGN KEY (tenant, session_id) REFERENCES sessions (tenant, id) ON DELETE CASCADE
);

CREATE TABLE messages (
  tenant     text   NOT NULL,
  session_id text   NOT NULL,
  seq        bigint NOT NULL,
  body       text   NOT NULL,
  PRIMARY KEY (tenant, session_id, seq),
  FOREIGN KEY (tenant, session_id) REFERENCES sessions (tenant, id) ON DELETE CASCADE
);
