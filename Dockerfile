# syntax=docker/dockerfile:1
# Tessera authorization server (`tessera-oidc serve`). Build: docker build -t tessera .
# Both stages use the same base, so the native modules (argon2, better-sqlite3) built in the first run in the second.

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schema ./schema
# The drivers are optional peers of the package (an API needs none), devDependencies of the repository; the
# server needs them, so they become dependencies of the image before the dev-only packages are pruned.
RUN npm run build \
 && node -e "const p = require('./package.json'); for (const n of ['argon2', 'better-sqlite3', 'ioredis', 'pg', 'prom-client']) { p.dependencies[n] = p.devDependencies[n]; delete p.devDependencies[n] } require('fs').writeFileSync('package.json', JSON.stringify(p, null, 2))" \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
# No TESSERA_PORT or TESSERA_DB here: an image default in the environment would silently win over the
# configuration file's server.port and database (flags > environment > file).
ENV NODE_ENV=production
WORKDIR /app
# The code stays owned by root, so the server cannot rewrite itself; only /data is its own. The default SQLite
# file ./data/tessera.db (and its tessera.secret) land in the /data volume through the link.
RUN groupadd --system tessera \
 && useradd --system --gid tessera --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin tessera \
 && mkdir /data && chown tessera:tessera /data \
 && ln -s /data /app/data
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schema ./schema
USER tessera
VOLUME /data
EXPOSE 4000
# Liveness only (/readyz also needs the store, and a database outage is no reason to restart the container).
# node rather than curl: the slim image has no curl. On another port than 4000, set TESSERA_PORT.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TESSERA_PORT || 4000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve", "--host", "0.0.0.0"]
