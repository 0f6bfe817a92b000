# Multi-stage build: Maven builds the shaded jar, a JRE runs it as a non-root user.
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -q -B dependency:go-offline
COPY src src
COPY conf/config.json conf/config.json
COPY docs/openapi.yaml docs/openapi.yaml
RUN mvn -q -B -DskipTests package

FROM eclipse-temurin:17.0.13_11-jre
RUN useradd --system --uid 10001 --user-group --home-dir /app sessiond \
    && mkdir -p /app/data /app/conf && chown -R sessiond:sessiond /app
WORKDIR /app
COPY --from=build /src/target/sessiond.jar /app/sessiond.jar
COPY conf/config.json /app/conf/config.json
COPY docker/entrypoint.sh /app/entrypoint.sh
# Readiness over plain bash (/dev/tcp): the JRE image needs no curl. The management port when there
# is one (plain HTTP even when the API port speaks HTTPS), else the API port.
RUN printf '%s\n' '#!/bin/bash' \
    'exec 3<>/dev/tcp/127.0.0.1/${MANAGEMENT_PORT:-${HTTP_PORT:-8080}} || exit 1' \
    'printf "GET /health/ready HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3' \
    'head -n 1 <&3 | grep -q " 200 "' > /app/healthcheck.sh && chmod 755 /app/healthcheck.sh /app/entrypoint.sh
USER sessiond
# The JIT's compiler threads and the bulk pool's threads (large bodies) at nice 10, so that on a busy machine an
# event loop with work runs before them (README "Operations", JVM options). Lowering a priority needs no privilege;
# the JVM warns once at start that raising one would.
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:ThreadPriorityPolicy=1 -XX:CompilerThreadPriority=10 -XX:JavaPriority1_To_OSPriority=10"
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["/app/healthcheck.sh"]
# The container's arguments go to the jar: none runs the daemon, `docker run IMAGE migrate --help` a
# subcommand (docker/entrypoint.sh: exec java $JAVA_OPTS -jar /app/sessiond.jar "$@").
ENTRYPOINT ["/app/entrypoint.sh"]
