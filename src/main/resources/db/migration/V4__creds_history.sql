-- The kept versions of a session's creds (CREDS_HISTORY), each the document exactly as written, with the
-- session version that wrote it and its time (epoch ms). Rewritten whole whenever the creds change.
CREATE TABLE creds_history (
  tenant     text   NOT NULL,
  session_id text   NOT NULL,
  version    bigint NOT NULL,
  written_at bigint NOT NULL,
  creds      text   NOT NULL,
  PRIMARY KEY (tenant, session_id, version),
  FOREIGN KEY (tenant, session_id) REFERENCES sessions (tenant, id) ON DELETE CASCADE
);
