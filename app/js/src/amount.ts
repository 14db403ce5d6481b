/**
 * Token amounts: base units (bigint) to and from decimal strings, with a mint's decimals.
 */
import { type Address, fetchEncodedAccount, type GetAccountInfoApi, type Rpc } from '@solana/kit';
import { getMintDecoder } from '@solana-program/token';

/** `amount` base units as a decimal string with `decimals` places, trailing zeros trimmed (`1500000`, 6 → `1.5`). */
export function formatAmount(amount: bigint, decimals: number): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 255) throw new RangeError(`bad decimals ${decimals}`);
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/** A decimal string as base units of a mint with `decimals` places (`1.5`, 6 → `1500000n`); refuses more places than the mint has. */
export function parseAmount(text: string, decimals: number): bigint {
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (match === null) throw new SyntaxError(`not an amount: ${JSON.stringify(text)}`);
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) throw new RangeError(`${text} has more than ${decimals} decimals`);
  return BigInt(whole + fraction.padEnd(decimals, '0'));
}

/**
 * A mint's decimals, read from its account (SPL Token and Token-2022 share the base mint
 * layout; a Token-2022 mint's extensions follow it).
 */
export async function fetchMintDecimals(rpc: Rpc<GetAccountInfoApi>, mint: Address): Promise<number> {
  const account = await fetchEncodedAccount(rpc, mint);
  if (!account.exists) throw new Error(`mint ${mint} does not exist`);
  return getMintDecoder().decode(account.data.slice(0, 82)).decimals;
}

/** `amount` of `mint` formatted with its decimals, read from the chain. */
export async function formatMintAmount(rpc: Rpc<GetAccountInfoApi>, mint: Address, amount: bigint): Promise<string> {
  return formatAmount(amount, await fetchMintDecimals(rpc, mint));
}
