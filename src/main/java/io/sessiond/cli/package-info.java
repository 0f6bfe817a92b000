/**
 * The daemon jar's subcommands ({@code java -jar sessiond.jar <command> ...}): import and export of
 * Baileys auth folders, import of whatsapp-web.js LocalAuth folders as RemoteAuth blobs, tenant
 * backup and restore as NDJSON, and migration between two running daemons; picocli parses them
 * ({@link io.sessiond.cli.Cli}, {@link io.sessiond.cli.Commands}). They talk to running
 * daemons over the HTTP API with the JDK's {@link java.net.http.HttpClient} and block freely: a
 * command runs on its own thread, never on an event loop.
 */
package io.sessiond.cli;
