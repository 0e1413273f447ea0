/** Globals: what a bare server needs for a database (roles, memberships, tablespaces, database properties). */
export * from './types.js';
export { readGlobals, type ReadGlobalsOptions } from './read.js';
export {
  alterConfigSql, createDatabaseSql, createRoleSql, createTablespaceSql, databaseAclSql, databasePropertiesSql, membershipSql,
  mergeGlobals, quoterFor, renderGlobals, roleAttributesSql, roleSettingsSql, splitGucList,
} from './render.js';
export { captureGlobals } from './capture.js';
export { globalsFileName, globalsHeader, globalsOfSnapshot, writeGlobalsFile } from './of-snapshot.js';
