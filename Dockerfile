# mpdflow: worker and controller in one image (`mpdflow worker`, `mpdflow controller`).
# Build: docker build -t mpdflow:dev .
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only (tsx runs the TypeScript sources; no separate build step).
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY flows ./flows
# The image's own unprivileged user; workflow bundles go to /tmp.
USER node
EXPOSE 8080
ENTRYPOINT ["node", "bin/mpdflow.js"]
CMD ["worker"]
