# The service's image: `node dist/main.js [api|worker|all]` (compose runs the API and the worker apart).
# Node 26, the current LTS; the code also runs on Node 20 and later (package.json engines).
FROM node:26-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci applies patches/ (postinstall: patch-package) to the driver.
COPY patches ./patches
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:26-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# Alive: the API's /healthz on PORT, or, for a worker, HEALTHCHECK_URL (its METRICS_PORT's /healthz).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL || `http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
