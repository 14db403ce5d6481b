/**
 * Instructions whose accounts depend on chain state or on the clock, built on the generated
 * instruction builders: the network's keys, a client's next job id, the settlement accounts
 * (the epoch's shard and the provider's book page of the current epoch, the payees' associated
 * token accounts), an attestor's vote with the earlier votes it closes, finalizing and closing
 * an epoch (its shards), and claiming rewards by book page pairs.
 *
 * Mirrors `app/sdk/src/flows.rs` and `app/sdk/src/ix.rs` of the Rust SDK.
 */
import {
  type AccountMeta,
  AccountRole,
  type Address,
  appendTransactionMessageInstructions,
  type Base58EncodedBytes,
  type Blockhash,
  createTransactionMessage,
  getTransactionMessageSize,
  getTransactionMessageSizeLimit,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  fetchEncodedAccount,
  type GetAccountInfoApi,
  type GetMultipleAccountsApi,
  type GetProgramAccountsApi,
  getBase58Decoder,
  parseBase64RpcAccount,
  type Instruction,
  type Rpc,
  type TransactionSigner,
} from '@solana/kit';
import { getCreateAssociatedTokenIdempotentInstructionAsync } from '@solana-program/token';
import { fetchSysvarClock } from '@solana/sysvars';

import {
  type Attestation,
  ATTESTATION_DISCRIMINATOR,
  type CreateJobInstructionDataArgs,
  decodeAttestation,
  fetchMaybeClient,
  fetchAllMaybeEpochBook,
  fetchAllMaybeProviderBook,
  fetchAllMaybeEpochShard,
  fetchNetwork,
  fetchProvider,
  getAcceptJobInstructionAsync,
  getAttestInstruction,
  getApproveJobInstruction,
  getClaimRewardsInstructionAsync,
  getCloseEpochShardInstruction,
  getCollectProviderPayoutsInstruction,
  getCreateJobInstructionAsync,
  getDisputeJobInstruction,
  getDrawAuditInstruction,
  getFinalizeEpochInstructionAsync,
  getRegisterProviderInstructionAsync,
  getSettleJobInstruction,
  getSubmitResultInstructionAsync,
  type HardwareSpecArgs,
  type Job,
  type Network,
  SPICE_PROGRAM_ADDRESS,
  type Verdict,
} from './generated';
import { type BookPage, claimBatches, claimsPausedTotal, epochAt, epochShardAddresses, type Claimable, owedIn, pageOf, shardOf } from './pages';
import {
  associatedTokenAddress,
  attestationAddress,
  attestorAddress,
  clientRecordAddress,
  epochBookAddress,
  epochShardAddress,
  escrowVaultAddress,
  jobAddress,
  payoutsAddress,
  providerAddress,
  providerBookAddress,
  stakeVaultAddress,
  treasuryAddress,
} from './pda';

/** The SysvarS1otHashes address the program reads the audit draw from. */
export const SLOT_HASHES_SYSVAR = 'SysvarS1otHashes111111111111111111111111111' as Address;

/** A syntactically valid blockhash for measuring transaction sizes. */
const SIZE_BLOCKHASH = '11111111111111111111111111111111' as Blockhash;

/** A network: its address and account. */
export type SpiceNetwork = { address: Address; account: Network };

/** A job: its address and account. */
export type SpiceJob = { address: Address; account: Job };

/** Reads a network. */
export async function fetchSpiceNetwork(rpc: Rpc<GetAccountInfoApi>, address: Address): Promise<SpiceNetwork> {
  return { address, account: (await fetchNetwork(rpc, address)).data };
}

/** The cluster's unix time (the Clock sysvar), as the program sees it. */
export async function chainNow(rpc: Rpc<GetAccountInfoApi>): Promise<bigint> {
  return (await fetchSysvarClock(rpc)).unixTimestamp;
}

/** The payment-mint associated token account of `owner` on the network. */
export function paymentAta(net: SpiceNetwork, owner: Address): Promise<Address> {
  return associatedTokenAddress(owner, net.account.paymentMint, net.account.paymentTokenProgram);
}

/** The stake-mint associated token account of `owner` on the network. */
export function stakeAta(net: SpiceNetwork, owner: Address): Promise<Address> {
  return associatedTokenAddress(owner, net.account.stakeMint, net.account.stakeTokenProgram);
}

/** The next job id of `client`: its record's counter, 0 before its first job (`flows::next_job_id`). */
export async function nextJobId(rpc: Rpc<GetAccountInfoApi>, net: SpiceNetwork, client: Address): Promise<bigint> {
  const record = await fetchMaybeClient(rpc, await clientRecordAddress(net.address, client));
  return record.exists ? record.data.jobsCreated : 0n;
}

/** `register_provider`: stakes `stake` from the owner's stake-mint account (its ATA unless given). */
export async function registerProviderInstruction(
  net: SpiceNetwork,
  owner: TransactionSigner,
  stake: bigint,
  hardware: HardwareSpecArgs,
  ownerStakeAccount?: Address,
): Promise<Instruction> {
  return getRegisterProviderInstructionAsync({
    owner,
    network: net.address,
    stakeMint: net.account.stakeMint,
    ownerStakeAccount: ownerStakeAccount ?? (await stakeAta(net, owner.address)),
    tokenProgram: net.account.stakeTokenProgram,
    stake,
    hardware,
  });
}

/** What a client chooses when creating a job (the id is the client's counter, see `nextJobId`). */
export type JobRequest = Omit<CreateJobInstructionDataArgs, 'jobId'> & { jobId: bigint };

/** `create_job`: escrows `pricePerUnit × maxUnits` from the client's payment account (its ATA unless given). */
export async function createJobInstruction(
  net: SpiceNetwork,
  client: TransactionSigner,
  request: JobRequest,
  clientToken?: Address,
): Promise<{ instruction: Instruction; job: Address }> {
  const job = await jobAddress(net.address, client.address, request.jobId);
  const instruction = await getCreateJobInstructionAsync({
    client,
    network: net.address,
    job,
    paymentMint: net.account.paymentMint,
    clientToken: clientToken ?? (await paymentAta(net, client.address)),
    tokenProgram: net.account.paymentTokenProgram,
    ...request,
  });
  return { instruction, job };
}

/** `accept_job`, signed by the provider's owner. */
export function acceptJobInstruction(net: SpiceNetwork, owner: TransactionSigner, job: Address): Promise<Instruction> {
  return getAcceptJobInstructionAsync({ owner, network: net.address, job });
}

/** `submit_result`, signed by the provider's owner. */
export function submitResultInstruction(
  net: SpiceNetwork,
  owner: TransactionSigner,
  job: Address,
  result: { resultHash: Uint8Array; units: bigint; resultUri: string },
): Promise<Instruction> {
  return getSubmitResultInstructionAsync({ owner, network: net.address, job, ...result });
}

/** `dispute_job`, signed by the client. */
export function disputeJobInstruction(net: SpiceNetwork, client: TransactionSigner, job: Address): Instruction {
  return getDisputeJobInstruction({ client, network: net.address, job, slotHashes: SLOT_HASHES_SYSVAR });
}

/** `draw_audit` (anyone): records the job's audit draw from the slot hashes after its submission. */
export function drawAuditInstruction(net: SpiceNetwork, job: Address): Instruction {
  return getDrawAuditInstruction({ network: net.address, job, slotHashes: SLOT_HASHES_SYSVAR });
}

/**
 * The accounts every settling instruction (`approve_job`, `settle_job`, a deciding `attest`)
 * takes (`ix::settle_accounts`): the payees' associated token accounts, the payouts vault, the
 * provider's book page and the job's shard of the epoch at `now` (the cluster's time).
 */
export async function settleAccounts(
  rpc: Rpc<GetAccountInfoApi>,
  net: SpiceNetwork,
  job: SpiceJob,
  payer: TransactionSigner,
  now: bigint,
) {
  const provider = job.account.provider;
  if (provider.__option === 'None') throw new Error(`job ${job.address} has no provider`);
  const providerOwner = (await fetchProvider(rpc, provider.value)).data.owner;
  const epoch = epochAt(net.account, now);
  if (epoch === undefined) throw new Error('the time is before the network genesis');
  const shard = shardOf(job.address, net.account.params.shardCount);
  return {
    network: net.address,
    job: job.address,
    escrowVault: await escrowVaultAddress(job.address),
    client: job.account.client,
    clientRecord: await clientRecordAddress(net.address, job.account.client),
    clientToken: await paymentAta(net, job.account.client),
    payouts: await payoutsAddress(net.address, net.account.paymentMint),
    paymentMint: net.account.paymentMint,
    tokenProgram: net.account.paymentTokenProgram,
    provider: provider.value,
    providerToken: await paymentAta(net, providerOwner),
    treasury: await treasuryAddress(net.address, net.account.paymentMint),
    slotHashes: SLOT_HASHES_SYSVAR,
    payer,
    providerBook: await providerBookAddress(provider.value, pageOf(epoch)),
    epochShard: await epochShardAddress(net.address, epoch, shard),
  };
}

/** `approve_job`, signed by the client; `payer` pays the rent of the reward accounts it may create. */
export async function approveJobInstruction(
  rpc: Rpc<GetAccountInfoApi>,
  net: SpiceNetwork,
  client: TransactionSigner,
  job: SpiceJob,
  payer: TransactionSigner,
  now: bigint,
): Promise<Instruction> {
  return getApproveJobInstruction({ clientSigner: client, ...(await settleAccounts(rpc, net, job, payer, now)) });
}

/** `settle_job` (anyone, after the challenge window). */
export async function settleJobInstruction(
  rpc: Rpc<GetAccountInfoApi>,
  net: SpiceNetwork,
  job: SpiceJob,
  payer: TransactionSigner,
  now: bigint,
): Promise<Instruction> {
  return getSettleJobInstruction(await settleAccounts(rpc, net, job, payer, now));
}

/**
 * Byte offset of an Attestation's `job` field: discriminator (8), version (1), bump (1); the
 * tests check it against the generated encoder.
 */
export const ATTESTATION_JOB_OFFSET = 10;

/** Every vote recorded on `job`, read with `getProgramAccounts` (discriminator and job filters). */
export async function fetchAttestations(
  rpc: Rpc<GetProgramAccountsApi>,
  job: Address,
  programAddress?: Address,
): Promise<{ address: Address; account: Attestation }[]> {
  const b58 = getBase58Decoder();
  const found = await rpc
    .getProgramAccounts(programAddress ?? SPICE_PROGRAM_ADDRESS, {
      encoding: 'base64',
      filters: [
        { memcmp: { offset: 0n, bytes: b58.decode(ATTESTATION_DISCRIMINATOR) as Base58EncodedBytes, encoding: 'base58' } },
        { memcmp: { offset: BigInt(ATTESTATION_JOB_OFFSET), bytes: job as string as Base58EncodedBytes, encoding: 'base58' } },
      ],
    })
    .send();
  return found.map(({ pubkey, account }) => ({
    address: pubkey,
    account: decodeAttestation(parseBase64RpcAccount(pubkey, account)).data,
  }));
}

/** What an attestor says about a job. */
export type Vote = { verdict: Verdict; measuredUnits: bigint; evidenceHash: Uint8Array; evidenceUri: string };

/**
 * `attest`, signed by the attestor (who also pays its attestation's rent and, if the vote
 * settles the job, the reward accounts). The earlier votes on the job are passed as remaining
 * accounts (attestation, attestor record, voter: `ix::attest`), so a deciding vote closes them.
 */
export async function attestInstruction(
  rpc: Rpc<GetAccountInfoApi & GetProgramAccountsApi>,
  net: SpiceNetwork,
  attestor: TransactionSigner,
  job: SpiceJob,
  vote: Vote,
  now: bigint,
): Promise<Instruction> {
  const settle = await settleAccounts(rpc, net, job, attestor, now);
  const ix = getAttestInstruction({
    ...settle,
    attestorKey: attestor,
    attestor: await attestorAddress(net.address, attestor.address),
    attestation: await attestationAddress(job.address, attestor.address),
    stakeVault: await stakeVaultAddress(settle.provider),
    stakeTreasury: await treasuryAddress(net.address, net.account.stakeMint),
    stakePayouts: await payoutsAddress(net.address, net.account.stakeMint),
    clientStakeToken: await stakeAta(net, job.account.client),
    stakeMint: net.account.stakeMint,
    stakeTokenProgram: net.account.stakeTokenProgram,
    ...vote,
  });
  const earlier = (await fetchAttestations(rpc, job.address)).filter((a) => a.account.attestor !== attestor.address);
  const extra: AccountMeta[] = [];
  for (const a of earlier) {
    extra.push(
      { address: a.address, role: AccountRole.WRITABLE },
      { address: await attestorAddress(net.address, a.account.attestor), role: AccountRole.WRITABLE },
      { address: a.account.attestor, role: AccountRole.WRITABLE },
    );
  }
  return withRemainingAccounts(ix, extra);
}

/** `instruction` with `extra` accounts appended (the program's remaining accounts). */
export function withRemainingAccounts<T extends Instruction>(instruction: T, extra: readonly AccountMeta[]): T {
  return { ...instruction, accounts: [...(instruction.accounts ?? []), ...extra] };
}

/** `finalize_epoch(index)` (anyone): every shard of the epoch passed, in order (`ix::finalize_epoch`). */
export async function finalizeEpochInstruction(net: SpiceNetwork, payer: TransactionSigner, index: bigint): Promise<Instruction> {
  const ix = await getFinalizeEpochInstructionAsync({
    payer,
    network: net.address,
    epochBook: await epochBookAddress(net.address, pageOf(index)),
    index,
  });
  const shards = await epochShardAddresses(net.address, index, net.account.params.shardCount);
  return withRemainingAccounts(
    ix,
    shards.map((address) => ({ address, role: AccountRole.READONLY })),
  );
}

/**
 * `close_epoch_shard` of every shard of the finalized epoch `index` that still exists, rent to
 * its recorded payer (`flows::close_epoch_shards`).
 */
export async function closeEpochShardInstructions(
  rpc: Rpc<GetMultipleAccountsApi>,
  net: SpiceNetwork,
  index: bigint,
): Promise<Instruction[]> {
  const shards = await epochShardAddresses(net.address, index, net.account.params.shardCount);
  const epochBook = await epochBookAddress(net.address, pageOf(index));
  return (await fetchAllMaybeEpochShard(rpc, shards)).flatMap((shard) =>
    shard.exists
      ? [getCloseEpochShardInstruction({ network: net.address, epochShard: shard.address, epochBook, payer: shard.data.payer })]
      : [],
  );
}

/**
 * Every existing book page of `owner`'s provider up to the page of `now`, with the network's
 * page of the same epochs (`flows::provider_pages`).
 */
export async function providerPages(
  rpc: Rpc<GetMultipleAccountsApi>,
  net: SpiceNetwork,
  owner: Address,
  now: bigint,
): Promise<BookPage[]> {
  const provider = await providerAddress(net.address, owner);
  const last = pageOf(epochAt(net.account, now) ?? 0n);
  const pages = Array.from({ length: Number(last) + 1 }, (_, i) => BigInt(i));
  // Two getMultipleAccounts calls: the provider's pages, then the network's pages of those.
  const books = await fetchAllMaybeProviderBook(rpc, await Promise.all(pages.map((p) => providerBookAddress(provider, p))));
  const found = books.flatMap((book, i) => (book.exists ? [{ page: pages[i] ?? 0n, provider: book.data }] : []));
  const epochs = await fetchAllMaybeEpochBook(rpc, await Promise.all(found.map((f) => epochBookAddress(net.address, f.page))));
  return found.map((f, i) => {
    const epoch = epochs[i];
    return { ...f, epochs: epoch?.exists ? epoch.data : null };
  });
}

/** The epochs `owner`'s provider can claim at `now`, with their reward (`flows::claimable`). */
export async function claimable(
  rpc: Rpc<GetAccountInfoApi & GetMultipleAccountsApi>,
  net: SpiceNetwork,
  owner: Address,
  now: bigint,
): Promise<Claimable[]> {
  const fresh = await fetchNetwork(rpc, net.address);
  return owedIn(await providerPages(rpc, net, owner, now), claimsPausedTotal(fresh.data, now), now);
}

/**
 * `claim_rewards` for book pages `pages` (ascending): each page passes the network's EpochBook
 * and the provider's ProviderBook, in pairs (`ix::claim_rewards`). The rewards go to
 * `destination`, a stake-mint account of the owner's choosing.
 */
export async function claimRewardsInstruction(
  net: SpiceNetwork,
  owner: TransactionSigner,
  destination: Address,
  pages: readonly bigint[],
): Promise<Instruction> {
  const provider = await providerAddress(net.address, owner.address);
  const ix = await getClaimRewardsInstructionAsync({
    owner,
    network: net.address,
    provider,
    stakeMint: net.account.stakeMint,
    destination,
    tokenProgram: net.account.stakeTokenProgram,
  });
  const extra: AccountMeta[] = [];
  for (const page of pages) {
    extra.push(
      { address: await epochBookAddress(net.address, page), role: AccountRole.WRITABLE },
      { address: await providerBookAddress(provider, page), role: AccountRole.WRITABLE },
    );
  }
  return withRemainingAccounts(ix, extra);
}

/**
 * The book pages of a claim (ascending) split into as few `claim_rewards` transactions as fit
 * the packet size (`flows::claim_batches`): each batch is as large as fits one transaction paid
 * by `feePayer` with `prefix` instructions before the claim (e.g. creating the destination).
 */
export async function claimRewardsBatches(
  net: SpiceNetwork,
  owner: TransactionSigner,
  destination: Address,
  pages: readonly bigint[],
  options: { feePayer?: TransactionSigner; prefix?: readonly Instruction[] } = {},
): Promise<bigint[][]> {
  const feePayer = options.feePayer ?? owner;
  const message = (instructions: Instruction[]) =>
    pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(feePayer, m),
      // Any blockhash: the size does not depend on it.
      (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: SIZE_BLOCKHASH, lastValidBlockHeight: 0n }, m),
      (m) => appendTransactionMessageInstructions([...(options.prefix ?? []), ...instructions], m),
    );
  const size = async (batch: bigint[]) =>
    getTransactionMessageSize(message([await claimRewardsInstruction(net, owner, destination, batch)]));
  const limit = getTransactionMessageSizeLimit(message([]));
  return claimBatches(pages, size, limit);
}

/** `collect_provider_payouts` (anyone): what the provider is owed goes into `destination`. */
export async function collectProviderPayoutsInstruction(
  net: SpiceNetwork,
  owner: Address,
  destination: Address,
): Promise<Instruction> {
  return getCollectProviderPayoutsInstruction({
    network: net.address,
    owner,
    provider: await providerAddress(net.address, owner),
    payouts: await payoutsAddress(net.address, net.account.paymentMint),
    destination,
    paymentMint: net.account.paymentMint,
    tokenProgram: net.account.paymentTokenProgram,
  });
}

/**
 * Creates `owner`'s associated token account of `mint` if it does not exist (idempotent), e.g.
 * so that a payout lands in it rather than waiting in the payouts vault.
 */
export function createAssociatedTokenAccountInstruction(
  payer: TransactionSigner,
  owner: Address,
  mint: Address,
  tokenProgram: Address,
): Promise<Instruction> {
  return getCreateAssociatedTokenIdempotentInstructionAsync({ payer, owner, mint, tokenProgram });
}

/** Whether an account exists (e.g. an associated token account before paying into it). */
export async function accountExists(rpc: Rpc<GetAccountInfoApi>, address: Address): Promise<boolean> {
  return (await fetchEncodedAccount(rpc, address)).exists;
}

