// Everything a network owns, fetched at one moment over JSON-RPC and decoded with the generated
// client: the browser's counterpart of the Rust SDK's `accounts::Snapshot::fetch`
// (app/sdk/src/accounts.rs), and the input of the audit (./audit.ts).

import {
  type Address,
  type Base64EncodedBytes,
  address,
  getBase58Decoder,
  getBase64Encoder,
  getAddressDecoder,
  type Rpc,
  type SolanaRpcApi,
} from '@solana/kit';
import {
  SPICE_PROGRAM_ADDRESS,
  SpiceAccount,
  identifySpiceAccount,
  getAttestationDecoder,
  getAttestorDecoder,
  getClientDecoder,
  getEpochBookDecoder,
  getEpochShardDecoder,
  getJobDecoder,
  getNetworkDecoder,
  getProviderBookDecoder,
  getProviderDecoder,
  NETWORK_DISCRIMINATOR,
  type Attestation,
  type Attestor,
  type Client,
  type EpochBook,
  type EpochShard,
  type Job,
  type Network,
  type Provider,
  type ProviderBook,
} from '@spice/client';

export type Rpcs = Rpc<SolanaRpcApi>;
export type Keyed<T> = [Address, T];

/** A token account's state, for either token program (the SDK's `TokenAccount`). */
export type TokenAccount = {
  address: Address;
  mint: Address;
  /** The account's authority (a PDA for the program's vaults). */
  owner: Address;
  amount: bigint;
  delegate: Address | null;
  closeAuthority: Address | null;
  frozen: boolean;
  tokenProgram: Address;
};

/** A mint's supply and decimals (the SDK's `MintInfo`). */
export type MintInfo = {
  address: Address;
  supply: bigint;
  decimals: number;
  tokenProgram: Address;
  mintAuthority: Address | null;
};

export type Clock = { slot: bigint; unixTimestamp: bigint; epoch: bigint };

export type Snapshot = {
  networkAddress: Address;
  network: Network;
  unixTimestamp: bigint;
  slot: bigint;
  providers: Keyed<Provider>[];
  jobs: Keyed<Job>[];
  attestors: Keyed<Attestor>[];
  attestations: Keyed<Attestation>[];
  clients: Keyed<Client>[];
  epochBooks: Keyed<EpochBook>[];
  shards: Keyed<EpochShard>[];
  providerBooks: Keyed<ProviderBook>[];
  mints: MintInfo[];
  tokenAccounts: TokenAccount[];
};

const SYSVAR_CLOCK = address('SysvarC1ock11111111111111111111111111111111');
const addressDecoder = getAddressDecoder();
const base64 = getBase64Encoder();

function bytesOf(data: readonly [string, string] | [Base64EncodedBytes, 'base64']): Uint8Array {
  return new Uint8Array(base64.encode(data[0]));
}

function u64(data: Uint8Array, offset: number): bigint {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(offset, true);
}

function u32(data: Uint8Array, offset: number): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(offset, true);
}

function key(data: Uint8Array, offset: number): Address {
  return addressDecoder.decode(data.subarray(offset, offset + 32));
}

/** A `COption<Pubkey>` (4-byte tag + key). */
function optionKey(data: Uint8Array, offset: number): Address | null {
  return u32(data, offset) === 1 ? key(data, offset + 4) : null;
}

/**
 * An SPL Token or Token-2022 account: the 165-byte base layout (extensions follow it and do
 * not move it). `null` if the data is not a token account.
 */
export function decodeTokenAccount(at: Address, data: Uint8Array, tokenProgram: Address): TokenAccount | null {
  if (data.length < 165) return null;
  // Token-2022 marks the account type at byte 165 when extensions follow (2 = account).
  if (data.length > 165 && data[165] !== 2) return null;
  const state = data[108];
  if (state === 0) return null; // uninitialized
  return {
    address: at,
    mint: key(data, 0),
    owner: key(data, 32),
    amount: u64(data, 64),
    delegate: optionKey(data, 72),
    closeAuthority: optionKey(data, 129),
    frozen: state === 2,
    tokenProgram,
  };
}

/** A mint's base layout (82 bytes). */
export function decodeMint(at: Address, data: Uint8Array, tokenProgram: Address): MintInfo | null {
  if (data.length < 82 || data[45] !== 1) return null;
  return {
    address: at,
    mintAuthority: optionKey(data, 0),
    supply: u64(data, 36),
    decimals: data[44] ?? 0,
    tokenProgram,
  };
}

/** The chain's clock (the Clock sysvar: works on any cluster). */
export async function fetchClock(rpc: Rpcs): Promise<Clock> {
  const { value } = await rpc.getAccountInfo(SYSVAR_CLOCK, { encoding: 'base64' }).send();
  if (!value) throw new Error('no Clock sysvar on this RPC');
  const data = bytesOf(value.data);
  return {
    slot: u64(data, 0),
    epoch: u64(data, 16),
    unixTimestamp: new DataView(data.buffer, data.byteOffset).getBigInt64(32, true),
  };
}

/** Every Network account of the program. */
export async function fetchNetworks(rpc: Rpcs): Promise<Keyed<Network>[]> {
  const accounts = await rpc
    .getProgramAccounts(SPICE_PROGRAM_ADDRESS, {
      encoding: 'base64',
      filters: [
        {
          memcmp: {
            offset: 0n,
            bytes: getBase58Decoder().decode(NETWORK_DISCRIMINATOR) as never,
            encoding: 'base58',
          },
        },
      ],
    })
    .send();
  const decoder = getNetworkDecoder();
  return accounts
    .map(({ pubkey, account }) => [pubkey, decoder.decode(bytesOf(account.data))] as Keyed<Network>)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** A mint. */
export async function fetchMint(rpc: Rpcs, mint: Address): Promise<MintInfo> {
  const { value } = await rpc.getAccountInfo(mint, { encoding: 'base64' }).send();
  const info = value ? decodeMint(mint, bytesOf(value.data), value.owner) : null;
  if (!info) throw new Error(`${mint} is not a token mint`);
  return info;
}

/** Every token account of `mint` under `tokenProgram`. */
export async function fetchTokenAccounts(rpc: Rpcs, mint: Address, tokenProgram: Address): Promise<TokenAccount[]> {
  const accounts = await rpc
    .getProgramAccounts(tokenProgram, {
      encoding: 'base64',
      filters: [{ memcmp: { offset: 0n, bytes: mint as never, encoding: 'base58' } }],
    })
    .send();
  const out: TokenAccount[] = [];
  for (const { pubkey, account } of accounts) {
    const t = decodeTokenAccount(pubkey, bytesOf(account.data), tokenProgram);
    if (t && t.mint === mint) out.push(t);
  }
  return out;
}

/** A token account's balance; 0 when it does not exist. */
export async function fetchTokenBalance(rpc: Rpcs, at: Address): Promise<bigint> {
  const { value } = await rpc.getAccountInfo(at, { encoding: 'base64' }).send();
  if (!value) return 0n;
  return decodeTokenAccount(at, bytesOf(value.data), value.owner)?.amount ?? 0n;
}

/** Raw account bytes and owner, or null. */
export async function fetchRaw(rpc: Rpcs, at: Address): Promise<{ data: Uint8Array; owner: Address; lamports: bigint } | null> {
  const { value } = await rpc.getAccountInfo(at, { encoding: 'base64' }).send();
  if (!value) return null;
  return { data: bytesOf(value.data), owner: value.owner, lamports: value.lamports };
}

/** Decodes any Spice account: its type name and fields. */
export function decodeSpiceAccount(data: Uint8Array): { type: string; value: unknown } | null {
  let kind: SpiceAccount;
  try {
    kind = identifySpiceAccount(data);
  } catch {
    return null;
  }
  const decoders: Record<SpiceAccount, () => { decode(d: Uint8Array): unknown }> = {
    [SpiceAccount.Attestation]: getAttestationDecoder,
    [SpiceAccount.Attestor]: getAttestorDecoder,
    [SpiceAccount.Client]: getClientDecoder,
    [SpiceAccount.EpochBook]: getEpochBookDecoder,
    [SpiceAccount.EpochShard]: getEpochShardDecoder,
    [SpiceAccount.Job]: getJobDecoder,
    [SpiceAccount.Network]: getNetworkDecoder,
    [SpiceAccount.Provider]: getProviderDecoder,
    [SpiceAccount.ProviderBook]: getProviderBookDecoder,
  };
  return { type: SpiceAccount[kind], value: decoders[kind]().decode(data) };
}

/**
 * Fetches every account of `network`: its program accounts (by discriminator, then by their
 * `network` field), its mints and every token account of them. The SDK's `Snapshot::fetch`.
 */
export async function fetchSnapshot(rpc: Rpcs, networkAddress: Address): Promise<Snapshot> {
  const clock = await fetchClock(rpc);
  const all = await rpc.getProgramAccounts(SPICE_PROGRAM_ADDRESS, { encoding: 'base64' }).send();
  let network: Network | null = null;
  const snap: Omit<Snapshot, 'network'> = {
    networkAddress,
    unixTimestamp: clock.unixTimestamp,
    slot: clock.slot,
    providers: [],
    jobs: [],
    attestors: [],
    attestations: [],
    clients: [],
    epochBooks: [],
    shards: [],
    providerBooks: [],
    mints: [],
    tokenAccounts: [],
  };
  const attestations: Keyed<Attestation>[] = [];
  const mine = (n: Address) => n === networkAddress;
  for (const { pubkey, account } of [...all].sort((a, b) => (a.pubkey < b.pubkey ? -1 : 1))) {
    const data = bytesOf(account.data);
    let kind: SpiceAccount;
    try {
      kind = identifySpiceAccount(data);
    } catch {
      continue;
    }
    switch (kind) {
      case SpiceAccount.Network:
        if (pubkey === networkAddress) network = getNetworkDecoder().decode(data);
        break;
      case SpiceAccount.Provider: {
        const p = getProviderDecoder().decode(data);
        if (mine(p.network)) snap.providers.push([pubkey, p]);
        break;
      }
      case SpiceAccount.Job: {
        const j = getJobDecoder().decode(data);
        if (mine(j.network)) snap.jobs.push([pubkey, j]);
        break;
      }
      case SpiceAccount.Attestor: {
        const a = getAttestorDecoder().decode(data);
        if (mine(a.network)) snap.attestors.push([pubkey, a]);
        break;
      }
      case SpiceAccount.Attestation:
        attestations.push([pubkey, getAttestationDecoder().decode(data)]);
        break;
      case SpiceAccount.Client: {
        const c = getClientDecoder().decode(data);
        if (mine(c.network)) snap.clients.push([pubkey, c]);
        break;
      }
      case SpiceAccount.EpochBook: {
        const e = getEpochBookDecoder().decode(data);
        if (mine(e.network)) snap.epochBooks.push([pubkey, e]);
        break;
      }
      case SpiceAccount.EpochShard: {
        const s = getEpochShardDecoder().decode(data);
        if (mine(s.network)) snap.shards.push([pubkey, s]);
        break;
      }
      case SpiceAccount.ProviderBook: {
        const b = getProviderBookDecoder().decode(data);
        if (mine(b.network)) snap.providerBooks.push([pubkey, b]);
        break;
      }
    }
  }
  if (!network) throw new Error(`no Spice network at ${networkAddress}`);
  // An attestation names its attestor's key; keep the votes of this network's attestors.
  snap.attestations = attestations.filter(([, a]) => snap.attestors.some(([, r]) => r.key === a.attestor));
  const mints: [Address, Address][] = [[network.paymentMint, network.paymentTokenProgram]];
  if (network.stakeMint !== network.paymentMint) mints.push([network.stakeMint, network.stakeTokenProgram]);
  for (const [mint, program] of mints) {
    snap.mints.push(await fetchMint(rpc, mint));
    snap.tokenAccounts.push(...(await fetchTokenAccounts(rpc, mint, program)));
  }
  return { ...snap, network };
}
