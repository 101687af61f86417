# The server as a container: built on debian:bookworm with the project's own scripts, run on
# debian:bookworm-slim from the same Debian package that ./scripts/test checks, as the
# unprivileged `starter` user. Not built in CI (no container engine there): keep every step
# equal to scripts/bootstrap, scripts/package and packaging/ (docs/operations.md).
#   docker build -t starter .
#   docker run -p 8000:8000 -e DATA_ENCRYPTION_KEY=$(openssl rand -hex 32) starter
FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN ./scripts/bootstrap \
 && cmake --preset release -DSTARTER_BUILD_TESTS=OFF -DSTARTER_BUILD_BENCH=OFF \
 && cmake --build --preset release \
 && cd build && cpack -G DEB

FROM debian:bookworm-slim
COPY --from=build /src/build/starter_*.deb /tmp/
# The package's postinst makes the starter user (adduser: no systemd in a container).
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/starter_*.deb uap-core curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/starter_*.deb \
 && install -d -o starter -g starter -m 0750 /var/lib/starter
USER starter
WORKDIR /var/lib/starter
ENV DATA_DIR=/var/lib/starter HOST=0.0.0.0 PORT=8000 LOG_FORMAT=json
VOLUME /var/lib/starter
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD curl -fsS http://127.0.0.1:8000/api/health/ready || exit 1
# SIGTERM drains in-flight requests (SHUTDOWN_TIMEOUT); give `docker stop` longer than that.
STOPSIGNAL SIGTERM
ENTRYPOINT ["starter"]
CMD ["serve"]
