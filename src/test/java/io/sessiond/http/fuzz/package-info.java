/**
 * The fuzzing suite of issue #12: a seeded generator of hostile requests ({@link
 * io.sessiond.http.fuzz.HostileRequests}), the raw-socket client that sends them, and the checks on
 * the answers and on the daemon's state afterwards ({@link io.sessiond.http.fuzz.HostileRequestsFuzzTest}).
 */
package io.sessiond.http.fuzz;
