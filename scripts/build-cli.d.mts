/** Types of scripts/build-cli.mjs for TypeScript callers (tests, bench). */
export declare const BUNDLED_PACKAGES: readonly string[];
export declare function lazyCommandModules(): string[];
export declare function buildCli(options?: { outdir?: string }): Promise<string>;
