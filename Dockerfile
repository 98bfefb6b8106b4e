# oxy's self-hosted server in a container. In a clone of this repository:
#   docker compose up -d                        # or: docker build -t oxy . && docker run -p 9000:9000 oxy
# Then: npm run doctor -- http://<host>:9000 --key sk-...   (guide: README.md, "Run it on your own server")

# 1. Build the zips exactly as `npm run build` does; the image runs the tested node-server.zip.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Install scripts only fetch test runtimes (workerd); the bundle needs none of them.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build

# 2. Unpack node-server.zip (busybox has unzip; the Node image does not).
FROM busybox:1.37 AS unpack
COPY --from=build /src/dist-zips/node-server.zip /tmp/node-server.zip
RUN mkdir /app && unzip /tmp/node-server.zip -d /app

# 3. One file and Node: no node_modules at run time.
FROM node:22-bookworm-slim
WORKDIR /app
COPY --from=unpack /app/oxy.cjs /app/oxy.cjs
# Per-key limits and the Redis client, read only when OXY_KEY_RULES sets a limit (docs/limits.md).
COPY --from=unpack /app/oxy-limits.cjs /app/oxy-limits.cjs
# The status page's HTML, read only when a browser opens `/`.
COPY --from=unpack /app/oxy-page.cjs /app/oxy-page.cjs
# `node /app/oxy.cjs doctor|usage` (docker exec): read only when one of them runs.
COPY --from=unpack /app/oxy-cli.cjs /app/oxy-cli.cjs
ENV OXY_HOST=0.0.0.0 \
    OXY_PORT=9000 \
    NODE_ENV=production
EXPOSE 9000
USER node
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.OXY_PORT || 9000) + '/_oxy/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# oxy handles SIGTERM itself (drains, then exits), so it can be PID 1.
# No V8 flags: they cost every start ~20 ms (docs/benchmarks.md); oxy keeps its memory low itself.
CMD ["node", "/app/oxy.cjs"]
