package io.sessiond.session;

/**
 * One kept version of a session's credentials: the creds document exactly as written, the session
 * version that wrote it and when. A session keeps its last few (CREDS_HISTORY), newest first.
 */
public record CredsVersion(long version, long writtenAt, String credsJson) {
}
