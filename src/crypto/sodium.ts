/**
 * The one place libsodium is loaded. libsodium.js (WebAssembly) must finish initialising before any
 * call; awaiting it here, at module level, means every importer gets a ready library and the
 * synchronous helpers (chunkId, seal, open) need no `await` of their own. Worker threads that import
 * this module initialise their own copy.
 */
import sodium from 'libsodium-wrappers-sumo';

await sodium.ready;

export { sodium };
