# syntax=docker/dockerfile:1
# Tether gateway image. Build from the repository root (the gateway needs its sibling modules):
#   docker build -t tether-gateway .
# Every gateway flag is also an environment variable TETHER_<NAME> (TETHER_PORT, TETHER_STORE, TETHER_REDIS_URI, ...);
# arguments after the image name are passed to the gateway as flags.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG MAVEN_IMAGE=maven:3.9-eclipse-temurin-21
ARG RUNTIME_IMAGE=eclipse-temurin:21-jre

# The chat page served at / (client-js/page/README.md): built by Node here, since the Maven image has no npm.
FROM ${NODE_IMAGE} AS page
WORKDIR /src/client-js
COPY client-js/package.json client-js/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY client-js/ ./
RUN npm run --silent build:page -- --out /page

FROM ${MAVEN_IMAGE} AS build
WORKDIR /src
# Poms first, so that a source-only change keeps this layer; Maven reads every module's pom even with -pl.
COPY pom.xml ./
COPY protocol/pom.xml protocol/
COPY client/pom.xml client/
COPY session-redis/pom.xml session-redis/
COPY gateway/pom.xml gateway/
COPY loadtest/pom.xml loadtest/
COPY e2e/pom.xml e2e/
COPY protocol/src protocol/src
COPY session-redis/src session-redis/src
COPY gateway/src gateway/src
# The page where the gateway's build would have put it, so that Maven packs it without running npm itself.
COPY --from=page /page gateway/target/classes/dev/tether/gateway/ui
# The cache mount keeps ~/.m2 between builds (BuildKit, the default builder since Docker 23).
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -ntp -DskipTests -Dtether.page.skip -pl gateway -am package \
 && cp gateway/target/tether-gateway.jar /tether-gateway.jar

FROM ${RUNTIME_IMAGE}
# The Temurin Ubuntu images ship curl, which the health check uses.
RUN groupadd --system --gid 10001 tether \
 && useradd --system --uid 10001 --gid tether --home-dir /app --no-create-home --shell /usr/sbin/nologin tether
WORKDIR /app
COPY --from=build --chown=root:root --chmod=0444 /tether-gateway.jar /app/tether-gateway.jar
USER tether:tether

# Heap as a share of the container's memory limit; a JVM that ran out of memory exits so the orchestrator restarts it
# instead of leaving a half-working node in the load balancer.
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75.0 -XX:InitialRAMPercentage=25.0 -XX:+ExitOnOutOfMemoryError" \
    TETHER_HOST=0.0.0.0 \
    TETHER_PORT=8787

EXPOSE 8787
# The gateway closes its WebSockets with 1012 on SIGTERM, so clients resume on another node right away.
STOPSIGNAL SIGTERM
# /health answers 200 when ready and 503 when not (Redis unreachable, shutting down); curl -f fails on 503.
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${TETHER_PORT:-8787}/health" || exit 1

# exec: java becomes PID 1 and receives SIGTERM itself; "$@" are gateway flags given after the image name.
ENTRYPOINT ["/bin/sh", "-c", "exec java $JAVA_OPTS -jar /app/tether-gateway.jar \"$@\"", "tether-gateway"]
CMD []
