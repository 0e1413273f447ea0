#!/usr/bin/env bash
# The production install (docs/operations.md, "Install"): run in a checkout of pgvault, e.g. /opt/pgvault.
#   1. npm ci                 all dependencies, exactly as package-lock.json pins them (TypeScript is among them)
#   2. npm run build          compile src/ to dist/ (bin/pgvault.js runs dist/ when it is there)
#   3. npm prune --omit=dev   remove the development dependencies: TypeScript, tsx, s3rver, embedded PostgreSQL
# and check that the result starts. Running it again (e.g. after git pull) rebuilds and prunes again.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
npm run build
npm prune --omit=dev --no-audit --no-fund
node bin/pgvault.js --version >/dev/null
echo "pgvault $(node bin/pgvault.js --version) installed in $PWD: node_modules $(du -sh node_modules | cut -f1), dist $(du -sh dist | cut -f1); put $PWD/bin/pgvault on the PATH (it runs bin/pgvault.js; docs/operations.md)"
