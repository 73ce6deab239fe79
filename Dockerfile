# Otto's production image (D191): the production build that scripts/ci/production-proof.sh proves on a
# Postgres server in CI, with the same commands (test/unit/container-artefacts.test.ts checks that they
# stay the same). Containers cannot run on this project's machines, so this file is checked, not built.
# One image for every process: OTTO_ROLE=api or worker; `node dist/scripts/db-migrate.js` migrates.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
# No lifecycle scripts: `prepare` builds the console with tsx (prebuilt in dist/), and none of the
# production dependencies' install scripts is needed against a Postgres server.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# SIGTERM reaches node directly (exec form, no shell): Otto drains and exits 0.
CMD ["node", "dist/src/main.js"]
