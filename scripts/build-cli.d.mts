/** Types of scripts/build-cli.mjs for TypeScript callers (tests, bench). */
export declare function isBundledPackage(name: string): boolean;
export declare function lazyCommandModules(): string[];
export declare function buildCli(options?: { outdir?: string }): Promise<string>;
