# SPDX-License-Identifier: Apache-2.0
# The pdscaler image: compiled in a build stage, run from a stage with production dependencies only,
# as a non-root user on a read-only root filesystem (deploy/base/deployment.yaml).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` runs the build, which needs the sources copied below: build explicitly instead.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (npm run build) would need TypeScript, a devDependency; dist/ comes from
# the build stage instead.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/ dist/
COPY bin/ bin/
# Read at run time beside package.json: the KEDA external scaler's service definition, the example
# policies, the built-in capacity profiles and the demo's trace (data/README.md), and their notices.
COPY proto/ proto/
COPY policies/ policies/
COPY data/README.md data/README.md
COPY data/profiles/ data/profiles/
COPY data/traces/README.md data/traces/mooncake_conversation_trace.jsonl data/traces/
COPY NOTICE ./
# 65532, as runAsUser in deploy/base/deployment.yaml: no home, no shell needed.
USER 65532:65532
ENTRYPOINT ["node", "bin/pdscaler.js"]
CMD ["serve", "--config", "/etc/pdscaler/serve.yaml"]
