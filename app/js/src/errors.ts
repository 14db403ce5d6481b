/**
 * The program error behind a failed send or simulation, by name: kit reports a custom program
 * error as a code in the `context` of an error somewhere in the chain of causes; the names and
 * messages are the generated ones (`SPICE_ERROR__*`, `getSpiceErrorMessage`), i.e. the IDL's.
 */
import * as generatedErrors from './generated/errors/spice';
import { getSpiceErrorMessage, type SpiceError } from './generated/errors/spice';

const NAMES = new Map<number, string>();
for (const [name, code] of Object.entries(generatedErrors as Record<string, unknown>)) {
  if (name.startsWith('SPICE_ERROR__') && typeof code === 'number') NAMES.set(code, name.slice('SPICE_ERROR__'.length));
}

/** A Spice program error: its code, constant name (e.g. `NOTHING_TO_CLAIM`) and message. */
export type SpiceProgramError = { code: SpiceError; name: string; message: string };

/**
 * The Spice program error in `error`'s chain of causes (a kit `SolanaError` from sending or
 * simulating a transaction), or `undefined` if there is none or the code is not the program's.
 */
export function spiceProgramError(error: unknown): SpiceProgramError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object'; depth++) {
    const context = (current as { context?: { code?: unknown; __code?: unknown } }).context;
    const code = context?.code;
    if (typeof code === 'number' && typeof context?.__code === 'number') {
      const name = NAMES.get(code);
      if (name === undefined) return undefined;
      return { code: code as SpiceError, name, message: getSpiceErrorMessage(code as SpiceError) };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
