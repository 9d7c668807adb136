# Production image: `docker build -t curbe-voice .` (compose.yaml runs it with Postgres and Redis).
# The build stage has the whole toolchain; the runtime stage has production dependencies, the
# compiled server (dist/), the built web app (web/dist) and the migrations, and runs as `node`.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the same install on any npm (the allowScripts list needs npm 11); the Prisma
# client is generated explicitly below, the one install step the build needs.
RUN npm ci --ignore-scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm run db:generate
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production PORT=4000 HOST=0.0.0.0 DATA_DIR=/app/.data
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional as well: TypeScript and the Prisma CLI are optional peers of @prisma/client, which
# npm keeps with --omit=dev alone. The only other optional packages are types and a Cloudflare socket.
RUN npm ci --omit=dev --omit=optional --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY prisma/migrations ./prisma/migrations
# DATA_DIR keeps the voicemail outbox and the webhook replay journal: mount a volume per instance.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Migrations: run `node dist/infra/migrate-cli.js` as a release step (compose.yaml does); each
# start also applies any still pending, under an advisory lock.
# --max-semi-space-size: see "Production" in README.md (the same flags as npm run start:prod).
CMD ["node", "--max-semi-space-size=64", "--enable-source-maps", "dist/main.js"]
