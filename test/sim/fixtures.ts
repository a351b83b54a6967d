/** Shared fixtures for transport, sim and service tests: interop host keys, SE header, SSH client key. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAttestCommands } from '../../main/cli/flags/attest.js';
import { CliExit, EXIT_ERROR, EXIT_OK, type CliIo } from '../../main/cli/io.js';
import { describeError } from '../../main/cli/main.js';
import { p521PrivateKeyFromPem } from '../../main/engine/crypto/p521.js';
import { readHostKeyDocument } from '../../main/engine/pki/host-key-document.js';
import {
  generateSshKeyPair,
  startSimulatedGuest,
  type SimulatedGuest,
  type SimulatedGuestParams,
} from '../../main/sim/simulated-guest.js';
import { SshGuestTransport, type SshGuestTransportParams } from '../../main/transport/ssh-transport.js';
import { parseGuestAddress } from '../../main/transport/guest-address.js';

const KEYS = new URL('../vectors/interop/keys', import.meta.url).pathname;

export const hostPrivateKey = p521PrivateKeyFromPem(readFileSync(`${KEYS}/hostA.key`, 'utf8'));
export const hostCertA = new Uint8Array(readFileSync(`${KEYS}/hostA.crt`));
export const hostCoordsA = readHostKeyDocument(hostCertA).publicCoords;
export const hostCoordsB = readHostKeyDocument(new Uint8Array(readFileSync(`${KEYS}/hostB.crt`))).publicCoords;
export const seHeader = new Uint8Array(readFileSync(`${KEYS}/se.hdr`));
export const cuid = new Uint8Array(16).map((_, i) => 0xc0 + i);
export const keyPaths = { hostACert: `${KEYS}/hostA.crt`, hostAKey: `${KEYS}/hostA.key`, seHdr: `${KEYS}/se.hdr` };

/** One Ed25519 client key pair for all tests (OpenSSH private, authorized_keys public line). */
export const clientKey = generateSshKeyPair();

/** Starts a simulated guest holding host key A and accepting `clientKey`. */
export function startGuest(extra: Partial<SimulatedGuestParams> = {}): Promise<SimulatedGuest> {
  return startSimulatedGuest({
    hostPrivateKeys: [hostPrivateKey],
    seHeader,
    cuid,
    authorizedKeys: [clientKey.public],
    ...extra,
  });
}

/** A transport to `guest`, pinned to its claimed fingerprint, with short test timeouts. */
export function transportFor(guest: SimulatedGuest, extra: Partial<SshGuestTransportParams> = {}): SshGuestTransport {
  return new SshGuestTransport({
    guest: { address: parseGuestAddress(guest.address), hostKeys: { pinnedFingerprints: [guest.fingerprint] } },
    identity: { privateKey: Buffer.from(clientKey.private) },
    timeouts: { connectMs: 5000, stepMs: 5000, totalMs: 20000, cleanupMs: 3000 },
    ...extra,
  });
}

/** Runs `se-attest attest …` through a fresh commander program; resolves to the exit code like runCli. */
export async function runAttestCli(args: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('se-attest')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerAttestCommands(program, io);
  for (const sub of program.commands)
    sub.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  try {
    await program.parseAsync([...args], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CliExit) return error.exitCode;
    if (error instanceof CommanderError) return EXIT_ERROR;
    io.err(`error: ${describeError(error)}\n`);
    return EXIT_ERROR;
  }
}
