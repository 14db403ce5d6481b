// One-time rent payers (see approvePlan in ../pages/client.tsx): the program refuses the job's
// client as rent payer of the reward accounts a settlement creates, so the app pays that rent from
// a fresh key the wallet funds in the same transaction. The rent returns to that key when the
// accounts close, so the key is kept here (its 32-byte private key, in this browser's storage,
// by wallet and network) and the client page sends whatever it holds back to the wallet.

import { type Address, type KeyPairSigner, createKeyPairSignerFromPrivateKeyBytes, createSignerFromKeyPair, generateKeyPair } from '@solana/kit';

const KEY = 'spice.rentKeys';

export type RentKey = { address: Address; seed: string; wallet: string; network: string; created: number };

function all(): RentKey[] {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '[]') as RentKey[];
  } catch {
    return [];
  }
}

/** The keys made for `wallet` on `network`. */
export function rentKeys(wallet: string, network: string): RentKey[] {
  return all().filter((k) => k.wallet === wallet && k.network === network);
}

/** A new key, kept before it is used (so a confirmed transaction never leaves its rent unreachable). */
export async function newRentKey(wallet: string, network: string): Promise<KeyPairSigner> {
  const pair = await generateKeyPair(true);
  const signer = await createSignerFromKeyPair(pair);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const seed = btoa(String.fromCharCode(...pkcs8.slice(pkcs8.length - 32)));
  localStorage.setItem(KEY, JSON.stringify([...all(), { address: signer.address, seed, wallet, network, created: Date.now() }]));
  return signer;
}

/** The signer of a kept key. */
export function rentKeySigner(k: RentKey): Promise<KeyPairSigner> {
  return createKeyPairSignerFromPrivateKeyBytes(Uint8Array.from(atob(k.seed), (c) => c.charCodeAt(0)));
}
