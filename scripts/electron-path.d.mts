/** Types of scripts/electron-path.mjs. */
export declare function findElectronBinary(): string | undefined;
