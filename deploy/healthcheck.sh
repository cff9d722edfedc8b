#!/bin/bash
# The container's HEALTHCHECK: healthy when the node answers 200 on /health/ready (its
# system database, and Redis when configured, answer). Bash's /dev/tcp speaks the one HTTP
# request, so the runtime image needs no HTTP client.
set -euo pipefail
port="${SLUICE__SERVER__PORT:-8080}"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /health/ready HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r _protocol status _reason <&3
[ "$status" = 200 ]
