/**
 * Command-line options shared by the Electron main process and web mode: `--db PATH`, `--demo`,
 * `--demo-dir PATH` (implies `--demo`), `--port N`.
 */

/** Parsed start options. */
export interface StartOptions {
  dbPath?: string;
  demo: boolean;
  /** Folder of the demo workspace (default ./se-attest-demo). */
  demoDir?: string;
  /** Web mode only: fixed port (default random). */
  listenPort?: number;
}

/** Parses `--db PATH`, `--db=PATH`, `--demo`, `--demo-dir PATH`, `--port N`; unknown arguments (Electron's own) are ignored. */
export function parseStartOptions(argv: readonly string[]): StartOptions {
  const options: StartOptions = { demo: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--db') options.dbPath = value();
    else if (flag === '--demo') options.demo = true;
    else if (flag === '--demo-dir') {
      options.demoDir = value();
      options.demo = true;
    } else if (flag === '--port') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('--port must be 0-65535');
      options.listenPort = n;
    }
  }
  return options;
}
