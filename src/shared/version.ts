/** This SDK's version (package.json's; test/shared/version.test.ts keeps them equal). Cached wasm files are keyed by it. */
export const SDK_VERSION = '0.1.0';
