/** IBM add-secret requests (pvsecret create / verify): secret kinds, IDs, values, user data and signatures. */
export * from './kinds.js';
export * from './secret-id.js';
export * from './values.js';
export * from './user-data.js';
export * from './add-secret-request.js';
export * from './secret-list.js';
