/** pgvault's round-trip fidelity suite (test/dump/fidelity-majors.ts) on PostgreSQL 16. */
import { fidelitySuite } from './fidelity-majors.js';

fidelitySuite(16);
