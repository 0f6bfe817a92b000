#!/bin/sh
# The image's entry point. The container's arguments reach the jar as they are: none runs the
# daemon, a subcommand runs that client (docker run IMAGE backup-tenant --help). JAVA_OPTS is split
# into words on purpose, with globbing off so that a '*' in it stays a '*'. exec: java replaces this
# shell as PID 1 and receives the SIGTERM of docker stop itself.
set -f
exec java $JAVA_OPTS -jar /app/sessiond.jar "$@"
