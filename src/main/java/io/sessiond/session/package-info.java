/**
 * The records every feature speaks: a session, its lifecycle states, its message window, its
 * export form, and the identifier rules. No behaviour beyond validation lives here.
 */
package io.sessiond.session;
