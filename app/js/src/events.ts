/**
 * The program's events from a transaction's logs: Anchor's `emit!` writes each as a
 * `Program data: <base64>` line, the event's 8-byte discriminator first. The discriminators and
 * decoders are generated from the IDL (`IDL_EVENTS`); a line matching no discriminator of this
 * program (another program's data) is skipped.
 */
import { getBase64Encoder } from '@solana/kit';

import { IDL_EVENTS } from './generated/idl';

type Events = typeof IDL_EVENTS;

/** An event of the program: its IDL name and decoded fields. */
export type SpiceEvent = {
  [K in keyof Events]: { name: K; data: ReturnType<ReturnType<Events[K]['decoder']>['decode']> };
}[keyof Events];

const PREFIX = 'Program data: ';

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/** Decodes one event's bytes (discriminator first), or `undefined` if they are not a Spice event. */
export function decodeSpiceEvent(bytes: Uint8Array): SpiceEvent | undefined {
  for (const [name, event] of Object.entries(IDL_EVENTS)) {
    if (startsWith(bytes, event.discriminator)) {
      return { name, data: event.decoder().decode(bytes) } as SpiceEvent;
    }
  }
  return undefined;
}

/** Every Spice event in `logs` (e.g. `meta.logMessages` of `getTransaction`), in order. */
export function parseSpiceEvents(logs: readonly string[]): SpiceEvent[] {
  const base64 = getBase64Encoder();
  const out: SpiceEvent[] = [];
  for (const line of logs) {
    if (!line.startsWith(PREFIX)) continue;
    const event = decodeSpiceEvent(new Uint8Array(base64.encode(line.slice(PREFIX.length))));
    if (event !== undefined) out.push(event);
  }
  return out;
}
