# syntax=docker/dockerfile:1
# The Sluice gateway image: `docker build -t sluice .`, or `docker compose up` for a cluster
# (docker-compose.yml, README "Run a cluster").

# Build stage: the release binary, from the locked dependency versions.
FROM rust:1.95-slim-bookworm AS build
# jemalloc (the binary's allocator) is built from C sources.
RUN apt-get update \
    && apt-get install -y --no-install-recommends make gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The caches keep the registry and the build between image builds; the binary is copied
# out of the cached target directory, which is not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p sluice-gateway \
    && cp target/release/sluice /usr/local/bin/sluice

# Runtime stage: Debian slim with the binary and its health check, run by a user of its own.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/sluice --no-create-home sluice \
    && mkdir -p /var/lib/sluice/services \
    && chown -R sluice:sluice /var/lib/sluice
COPY --from=build /usr/local/bin/sluice /usr/local/bin/sluice
COPY deploy/healthcheck.sh /usr/local/bin/sluice-healthcheck
USER sluice
# The data directory: the JWT secret when none is configured, the embedded system database
# when no PostgreSQL one is, and SQLite service files (services/ is where docker-compose.yml
# mounts the volume the nodes share).
VOLUME ["/var/lib/sluice"]
ENV SLUICE__SERVER__HOST=0.0.0.0 \
    SLUICE__SERVER__PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/sluice-healthcheck"]
ENTRYPOINT ["/usr/local/bin/sluice", "--data-dir", "/var/lib/sluice"]
CMD ["serve"]
