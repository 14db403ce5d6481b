// Associated token accounts: where the program pays a wallet, and what it stakes or escrows from.

import { type Address, AccountRole, type Instruction } from '@solana/kit';
import { ASSOCIATED_TOKEN_PROGRAM_ADDRESS, associatedTokenAddress } from '@spice/client';

const SYSTEM_PROGRAM = '11111111111111111111111111111111' as Address;

/**
 * The Associated Token Program's `CreateIdempotent` (instruction 1): creates `owner`'s account
 * of `mint` if it does not exist, paid by `payer`; does nothing if it does.
 */
export async function createAtaIdempotent(payer: Address, owner: Address, mint: Address, tokenProgram: Address): Promise<{ ata: Address; instruction: Instruction }> {
  const ata = await associatedTokenAddress(owner, mint, tokenProgram);
  return {
    ata,
    instruction: {
      programAddress: ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
      accounts: [
        { address: payer, role: AccountRole.WRITABLE_SIGNER },
        { address: ata, role: AccountRole.WRITABLE },
        { address: owner, role: AccountRole.READONLY },
        { address: mint, role: AccountRole.READONLY },
        { address: SYSTEM_PROGRAM, role: AccountRole.READONLY },
        { address: tokenProgram, role: AccountRole.READONLY },
      ],
      data: new Uint8Array([1]),
    },
  };
}

/** System Program `Transfer` of `lamports` from `from` to `to`. */
export function transferLamports(from: Address, to: Address, lamports: bigint): Instruction {
  const data = new Uint8Array(12);
  const view = new DataView(data.buffer);
  view.setUint32(0, 2, true);
  view.setBigUint64(4, lamports, true);
  return {
    programAddress: SYSTEM_PROGRAM,
    accounts: [
      { address: from, role: AccountRole.WRITABLE_SIGNER },
      { address: to, role: AccountRole.WRITABLE },
    ],
    data,
  };
}
