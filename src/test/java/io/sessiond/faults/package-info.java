/**
 * The fault suite: real processes on loopback (daemons as separate JVMs behind the shipped nginx
 * configuration, a redis-server with AOF, PostgreSQL, a TCP proxy that injects faults between the
 * daemons and Redis) and a load that records every acknowledged write, then verifies each one byte
 * for byte after the fault. docs/RELIABILITY.md describes the scenarios and holds the measured table.
 */
package io.sessiond.faults;
