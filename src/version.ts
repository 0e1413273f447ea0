/** pgvault's version, recorded in snapshot manifests (kept equal to package.json's by test/version.test.ts). */
export const PGVAULT_VERSION = '0.1.0';
