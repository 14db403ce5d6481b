/**
 * Program-derived addresses of the Spice program, each as a plain `Address`.
 *
 * Where Codama generated a `find*Pda` helper from the IDL's seeds, it is used as is. The IDL's
 * seed lists that name a nested instruction argument (the network's `args.id`, a job's
 * `args.job_id`) get no generated helper: their constant prefix still comes from the IDL
 * (`IDL_SEED_PREFIXES`, generated). The epoch shard is created by hand by the program and has no
 * seeds in the IDL: its prefix mirrors `programs/spice/src/state/seeds.rs` (`EPOCH_SHARD`), and
 * the tests check the derived addresses against the shards the program created.
 */
import {
  type Address,
  getAddressEncoder,
  getProgramDerivedAddress,
  getU64Encoder,
  getU8Encoder,
} from '@solana/kit';

import {
  findAttestationPda,
  findAttestorPda,
  findClientRecordPda,
  findEpochBookPda,
  findEscrowVaultPda,
  findPaymentPayoutsPda,
  findProviderBookPda,
  findProviderPda,
  findRewardVaultPda,
  findStakeVaultPda,
  findTreasuryPda,
  SPICE_PROGRAM_ADDRESS,
} from './generated';
import { IDL_ASSOCIATED_TOKEN_PROGRAM, IDL_SEED_PREFIXES } from './generated/idl';

/** `programs/spice/src/state/seeds.rs` `EPOCH_SHARD` (the IDL records no seeds for shards). */
export const EPOCH_SHARD_SEED = 'epoch_shard';

/** The associated token account program (the one the IDL's token account seeds name). */
export const ASSOCIATED_TOKEN_PROGRAM_ADDRESS = IDL_ASSOCIATED_TOKEN_PROGRAM as Address;

/** Optional program address override (e.g. a deployment at another address). */
export type PdaConfig = { programAddress?: Address };

/** A seed as `getProgramDerivedAddress` takes it (bytes, or a string taken as UTF-8). */
type Seed = Parameters<typeof getProgramDerivedAddress>[0]['seeds'][number];

const addr = getAddressEncoder();
const u64 = getU64Encoder();
const u8 = getU8Encoder();

async function derive(seeds: Seed[], config: PdaConfig): Promise<Address> {
  const [address] = await getProgramDerivedAddress({
    programAddress: config.programAddress ?? SPICE_PROGRAM_ADDRESS,
    seeds,
  });
  return address;
}

/** `["network", creator, id]`. */
export function networkAddress(creator: Address, id: bigint | number, config: PdaConfig = {}) {
  return derive(
    [IDL_SEED_PREFIXES.network, addr.encode(creator), u64.encode(id)],
    config,
  );
}

/** `["provider", network, owner]`. */
export async function providerAddress(network: Address, owner: Address, config: PdaConfig = {}) {
  return (await findProviderPda({ network, owner }, config))[0];
}

/** `["stake", provider]`: the provider's stake vault. */
export async function stakeVaultAddress(provider: Address, config: PdaConfig = {}) {
  return (await findStakeVaultPda({ provider }, config))[0];
}

/** `["client", network, client]`: the client's job counter and owed payouts. */
export async function clientRecordAddress(network: Address, client: Address, config: PdaConfig = {}) {
  return (await findClientRecordPda({ network, client }, config))[0];
}

/** `["job", network, client, job_id]`. */
export function jobAddress(network: Address, client: Address, jobId: bigint | number, config: PdaConfig = {}) {
  return derive(
    [
      IDL_SEED_PREFIXES.job,
      addr.encode(network),
      addr.encode(client),
      u64.encode(jobId),
    ],
    config,
  );
}

/** `["escrow", job]`: the job's escrow vault. */
export async function escrowVaultAddress(job: Address, config: PdaConfig = {}) {
  return (await findEscrowVaultPda({ job }, config))[0];
}

/** `["attestor", network, key]`. */
export async function attestorAddress(network: Address, key: Address, config: PdaConfig = {}) {
  return (await findAttestorPda({ network, key }, config))[0];
}

/** `["attestation", job, attestor key]`. */
export async function attestationAddress(job: Address, attestorKey: Address, config: PdaConfig = {}) {
  return (await findAttestationPda({ job, attestorKey }, config))[0];
}

/** `["epoch_book", network, page]`: the network's results of epochs `page × EPOCHS_PER_PAGE ..`. */
export async function epochBookAddress(network: Address, page: bigint | number, config: PdaConfig = {}) {
  return (await findEpochBookPda({ network, page }, config))[0];
}

/** `["provider_book", provider, page]`: the provider's work in the page's epochs. */
export async function providerBookAddress(provider: Address, page: bigint | number, config: PdaConfig = {}) {
  return (await findProviderBookPda({ provider, page }, config))[0];
}

/** `["epoch_shard", network, index, shard]`: one of the epoch's settlement accumulators. */
export function epochShardAddress(network: Address, index: bigint | number, shard: number, config: PdaConfig = {}) {
  return derive(
    [
      EPOCH_SHARD_SEED,
      addr.encode(network),
      u64.encode(index),
      u8.encode(shard),
    ],
    config,
  );
}

/** `["rewards", network]`: the reward vault (stake mint). */
export async function rewardVaultAddress(network: Address, config: PdaConfig = {}) {
  return (await findRewardVaultPda({ network }, config))[0];
}

/** `["treasury", network, mint]`: the protocol fee vault of `mint`. */
export async function treasuryAddress(network: Address, mint: Address, config: PdaConfig = {}) {
  return (await findTreasuryPda({ network, mint }, config))[0];
}

/** `["payouts", network, mint]`: payouts of `mint` waiting for their payee. */
export async function payoutsAddress(network: Address, mint: Address, config: PdaConfig = {}) {
  return (await findPaymentPayoutsPda({ network, paymentMint: mint }, config))[0];
}

/** The associated token account of `owner` for `mint` under `tokenProgram`. */
export async function associatedTokenAddress(owner: Address, mint: Address, tokenProgram: Address): Promise<Address> {
  const [address] = await getProgramDerivedAddress({
    programAddress: ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
    seeds: [addr.encode(owner), addr.encode(tokenProgram), addr.encode(mint)],
  });
  return address;
}
