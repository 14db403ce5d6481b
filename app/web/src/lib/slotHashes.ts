// The SlotHashes sysvar, decoded as the runtime lays it out: bincode's Vec<(Slot, Hash)>, a u64
// count then (u64 slot, 32-byte hash) entries, newest first.
//
// Not `fetchSysvarSlotHashes` of @solana/sysvars 8.4.0: its decoder reads the count as a u32
// (`getArrayDecoder`'s default prefix), so every slot after it comes out shifted by 32 bits and
// the audit draw computed from it is wrong (always "selected" on `spice serve`).

import { type Address, type Blockhash, getBase58Decoder } from '@solana/kit';
import type { SysvarSlotHashes } from '@solana/sysvars';
import { fetchRaw, type Rpcs } from './snapshot';

const SLOT_HASHES = 'SysvarS1otHashes111111111111111111111111111' as Address;

export function decodeSlotHashes(data: Uint8Array): SysvarSlotHashes {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = Number(view.getBigUint64(0, true));
  const b58 = getBase58Decoder();
  const out: { slot: bigint; hash: Blockhash }[] = [];
  for (let i = 0; i < count && 8 + (i + 1) * 40 <= data.length; i++) {
    const at = 8 + i * 40;
    out.push({ slot: view.getBigUint64(at, true), hash: b58.decode(data.subarray(at + 8, at + 40)) as Blockhash });
  }
  return out as SysvarSlotHashes;
}

export async function fetchSlotHashes(rpc: Rpcs): Promise<SysvarSlotHashes> {
  const raw = await fetchRaw(rpc, SLOT_HASHES);
  if (!raw) throw new Error('no SlotHashes sysvar on this RPC');
  return decodeSlotHashes(raw.data);
}
