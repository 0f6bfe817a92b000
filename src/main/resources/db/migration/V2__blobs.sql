-- Blobs (e.g. a whatsapp-web.js RemoteAuth zip), in the 512 KiB chunks the store keeps them in. A blob
-- row names its generation (the upload it came from, unique per commit), so the sync copies a blob
-- only when its generation changed. Both go with their session (ON DELETE CASCADE).
CREATE TABLE blobs (
  tenant     text   NOT NULL,
  session_id text   NOT NULL,
  name       text   NOT NULL,
  generation text   NOT NULL,
  size       bigint NOT NULL,
  chunks     int    NOT NULL,
  PRIMARY KEY (tenant, session_id, name),
  FOREIGN KEY (tenant, session_id) REFERENCES sessions (tenant, id) ON DELETE CASCADE
);

CREATE TABLE blob_chunks (
  tenant     text  NOT NULL,
  session_id text  NOT NULL,
  name       text  NOT NULL,
  chunk      int   NOT NULL,
  data       bytea NOT NULL,
  PRIMARY KEY (tenant, session_id, name, chunk),
  FOREIGN KEY (tenant, session_id, name) REFERENCES blobs (tenant, session_id, name) ON DELETE CASCADE
);
