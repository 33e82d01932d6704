# mpdflow: worker and controller in one image (`mpdflow worker`, `mpdflow controller`).
# Build: docker build -t mpdflow:dev .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY tools/build.mjs ./tools/build.mjs
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY flows ./flows
COPY bench ./bench
# TypeScript → dist/ (tools/build.mjs): the image runs compiled JavaScript, no TypeScript loader.
RUN node tools/build.mjs

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only.
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# SWC's native-addon cache goes under /tmp, an emptyDir in a pod (mode 0777, one user in the container): see
# tools/images/mpdflow/build.sh.
ENV SWC_NATIVE_BINDING_CACHE_SKIP_SECURITY_CHECK=1
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/workflows ./dist/workflows
COPY --from=build /app/dist/activities ./dist/activities
COPY --from=build /app/dist/flows ./dist/flows
# The image's own unprivileged user; workflow bundles go to /tmp.
USER node
EXPOSE 8080
ENTRYPOINT ["node", "bin/mpdflow.js"]
CMD ["worker"]
