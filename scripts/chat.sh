#!/usr/bin/env bash
# Starts the command-line chat client. Usage: scripts/chat.sh [ws://host:port/ws]   (default ws://127.0.0.1:8787/ws)
# Type a line to send it; /drop cuts the connection and resumes; /session shows the session; /quit ends it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/jdk.sh

./mvnw -B -q -ntp -DskipTests -pl client -am install
exec ./mvnw -B -q -ntp -pl client exec:java -Dexec.args="${1:-ws://127.0.0.1:8787/ws}"
