// Passwords: argon2id (memory-hard) in PHC string form, with the library's defaults (19 MiB, 2 passes —
// OWASP's recommended minimum). The hash string carries its parameters, so raising them later still verifies
// old hashes.
import { type Algorithm, hash, verify } from "@node-rs/argon2";
import { randomToken } from "../util/ids.js";

// Algorithm.Argon2id; a const enum, which isolatedModules cannot read.
const options = { algorithm: 2 as Algorithm };

export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash opens nothing.
    return false;
  }
}

let dummy: Promise<string> | null = null;

/** Spends the same work as a real check when the e-mail is unknown, so the answer's timing does not tell
 * whether a user exists. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hashPassword(randomToken(16));
  await verifyPassword(await dummy, password);
  return false;
}

/** A password for a user created without one: 20 random characters, shown once. */
export function generatePassword(): string {
  return randomToken(15);
}
