/** The storage layer's public surface: the Store contract, its backends, and location parsing. */
export type { ObjectInfo, ObjectKind, Store } from './types.js';
export { OBJECT_KINDS } from './types.js';
export { objectKey, assertValidName } from './keys.js';
export { FsStore, type FsStoreOptions } from './fs.js';
export { S3Store, type S3StoreOptions, type DeleteMode } from './s3.js';
export type { S3Credentials } from './credentials.js';
export type { RetryOptions, RetryInfo } from './retry.js';
export { openStore, parseLocation, type OpenStoreOptions, type ParsedLocation, type S3OpenOptions } from './open.js';
export { FaultyStore, type FaultRule, type FaultHandle, type MethodStats, type StoreCall, type StoreMethod } from './faulty.js';
