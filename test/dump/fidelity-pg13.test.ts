/** pgvault's round-trip fidelity suite (test/dump/fidelity-majors.ts) on PostgreSQL 13. */
import { fidelitySuite } from './fidelity-majors.js';

fidelitySuite(13);
