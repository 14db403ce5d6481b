//! The HTTP methods: Solana's JSON-RPC on the chain, with the request configurations and
//! response types of the RPC crates (`solana-rpc-client-api`, `solana-account-decoder`,
//! `solana-transaction-status-client-types`), and the dev methods under `spice_`.

use std::sync::Arc;

use base64::prelude::{Engine, BASE64_STANDARD};
use jsonrpsee::types::{ErrorObjectOwned, Params};
use jsonrpsee::RpcModule;
use serde::Serialize;
use serde_json::{json, Value};
use solana_account_decoder::encode_ui_account;
use solana_account_decoder_client_types::{UiAccount, UiAccountEncoding, UiDataSliceConfig};
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcContextConfig, RpcEncodingConfigWrapper, RpcProgramAccountsConfig,
    RpcRequestAirdropConfig, RpcSendTransactionConfig, RpcSignatureStatusConfig,
    RpcSimulateTransactionConfig, RpcTokenAccountsFilter, RpcTransactionConfig,
    UiTransactionEncoding,
};
use solana_rpc_client_api::custom_error::RpcCustomError;
use solana_rpc_client_api::filter::RpcFilterType;
use solana_rpc_client_api::response::{
    OptionalContext, Response, RpcBlockhash, RpcIdentity, RpcKeyedAccount, RpcResponseContext,
    RpcSimulateTransactionResult, RpcVersionInfo,
};
use solana_sdk::account::{Account, ReadableAccount};
use solana_sdk::epoch_info::EpochInfo;
use solana_sdk::hash::Hash;
use solana_sdk::message::VersionedMessage;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::transaction::{TransactionVersion, VersionedTransaction};
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, EncodedTransaction,
    EncodedTransactionWithStatusMeta, TransactionBinaryEncoding, TransactionConfirmationStatus,
    TransactionStatus, UiCompiledInstruction, UiMessage, UiRawMessage, UiTransaction,
    UiTransactionStatusMeta,
};

use crate::chain::{BlockTime, Chain, SendError, Simulation};
use crate::node::Node;
use crate::params::{
    check_min_context_slot, custom, internal, invalid_params, invalid_request, parse_pubkey, Args,
    RpcResult,
};
use crate::tokens;

/// Addresses `getMultipleAccounts` takes at most (the validator's limit).
const MAX_MULTIPLE_ACCOUNTS: usize = 100;
/// Signatures `getSignatureStatuses` takes at most.
const MAX_SIGNATURE_STATUSES: usize = 256;
/// Filters `getProgramAccounts` takes at most.
const MAX_FILTERS: usize = 4;
/// Largest account data `base58` encodes.
const MAX_BASE58_BYTES: usize = 128;
/// Largest serialized transaction (a packet, `solana-packet`'s `PACKET_DATA_SIZE`).
const PACKET_DATA_SIZE: usize = 1232;
/// Largest encoded transaction, base58 and base64, for a packet of PACKET_DATA_SIZE bytes.
const MAX_BASE58_TRANSACTION: usize = 1683;
const MAX_BASE64_TRANSACTION: usize = 1644;

/// The genesis hash of every `spice serve` chain: not a cluster any tool knows.
pub fn genesis_hash() -> Hash {
    solana_sdk::hash::hashv(&[b"spice serve: the embedded ledger"])
}

type Handler = fn(&Node, Args) -> RpcResult<Value>;

/// Every HTTP method, by name, with the most parameters it takes.
const METHODS: &[(&str, usize, Handler)] = &[
    ("getAccountInfo", 2, get_account_info),
    ("getBalance", 2, get_balance),
    ("getBlockHeight", 1, get_block_height),
    ("getBlockTime", 1, get_block_time),
    ("getEpochInfo", 1, get_epoch_info),
    ("getEpochSchedule", 0, get_epoch_schedule),
    ("getFeeForMessage", 2, get_fee_for_message),
    ("getGenesisHash", 0, get_genesis_hash),
    ("getHealth", 0, get_health),
    ("getIdentity", 0, get_identity),
    ("getLatestBlockhash", 1, get_latest_blockhash),
    ("getMinimumBalanceForRentExemption", 2, get_minimum_balance),
    ("getMultipleAccounts", 2, get_multiple_accounts),
    ("getProgramAccounts", 2, get_program_accounts),
    ("getSignatureStatuses", 2, get_signature_statuses),
    ("getSlot", 1, get_slot),
    ("getTokenAccountBalance", 2, get_token_account_balance),
    ("getTokenAccountsByOwner", 3, get_token_accounts_by_owner),
    ("getTokenSupply", 2, get_token_supply),
    ("getTransaction", 2, get_transaction),
    ("getTransactionCount", 1, get_transaction_count),
    ("getVersion", 0, get_version),
    ("isBlockhashValid", 2, is_blockhash_valid),
    ("requestAirdrop", 3, request_airdrop),
    ("sendTransaction", 2, send_transaction),
    ("simulateTransaction", 2, simulate_transaction),
    // Dev methods, in the spirit of Surfpool's cheatcodes.
    ("spice_clock", 0, dev_clock),
    ("spice_warpSeconds", 1, dev_warp_seconds),
    ("spice_warpSlots", 1, dev_warp_slots),
    ("spice_refuseSends", 1, dev_refuse_sends),
];

/// The names of the HTTP methods (subscriptions are in [`crate::pubsub`]).
pub fn method_names() -> impl Iterator<Item = &'static str> {
    METHODS.iter().map(|(name, _, _)| *name)
}

/// Registers every HTTP method on `module`.
pub fn register(module: &mut RpcModule<Node>) -> anyhow::Result<()> {
    for (name, max, handler) in METHODS {
        let (max, handler) = (*max, *handler);
        module.register_blocking_method(
            name,
            move |params: Params, node: Arc<Node>, _| -> Result<Value, ErrorObjectOwned> {
                handler(&node, Args::new(&params, max)?)
            },
        )?;
    }
    Ok(())
}

fn to_value(value: impl Serialize) -> RpcResult<Value> {
    serde_json::to_value(value).map_err(|e| internal(format!("encoding the response: {e}")))
}

/// `{context: {slot, apiVersion}, value}`.
fn with_context(slot: u64, value: impl Serialize) -> RpcResult<Value> {
    to_value(Response {
        context: RpcResponseContext::new(slot),
        value,
    })
}

fn context_config(args: &Args, i: usize) -> RpcResult<RpcContextConfig> {
    Ok(args
        .optional::<RpcContextConfig>(i, "configuration")?
        .unwrap_or_default())
}

// ---------------------------------------------------------------------- accounts

/// `account` in `encoding`, as the validator encodes it (and refuses to).
fn encode_account(
    chain: &Chain,
    address: &Pubkey,
    account: &Account,
    encoding: UiAccountEncoding,
    slice: Option<UiDataSliceConfig>,
) -> RpcResult<UiAccount> {
    let sliced_len = match slice {
        Some(s) => account.data.len().saturating_sub(s.offset).min(s.length),
        None => account.data.len(),
    };
    if matches!(
        encoding,
        UiAccountEncoding::Binary | UiAccountEncoding::Base58
    ) && sliced_len > MAX_BASE58_BYTES
    {
        return Err(invalid_request(
            "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 \
             encoding.",
        ));
    }
    if encoding == UiAccountEncoding::JsonParsed && slice.is_some() {
        return Err(invalid_request(
            "Sliced account data can only be encoded using binary (base 58) or base64 encoding.",
        ));
    }
    let additional = (encoding == UiAccountEncoding::JsonParsed)
        .then(|| {
            tokens::additional_data(account, |m| chain.account(m), chain.clock().unix_timestamp)
        })
        .flatten();
    Ok(encode_ui_account(
        address, account, encoding, additional, slice,
    ))
}

fn get_account_info(node: &Node, args: Args) -> RpcResult<Value> {
    let address = args.pubkey(0)?;
    let config: RpcAccountInfoConfig = args.optional(1, "configuration")?.unwrap_or_default();
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        let encoding = config.encoding.unwrap_or(UiAccountEncoding::Binary);
        let value = chain
            .account(&address)
            .map(|a| encode_account(chain, &address, &a, encoding, config.data_slice))
            .transpose()?;
        with_context(chain.slot(), value)
    })
}

fn get_multiple_accounts(node: &Node, args: Args) -> RpcResult<Value> {
    let addresses: Vec<String> = args.required(0, "a list of addresses")?;
    if addresses.len() > MAX_MULTIPLE_ACCOUNTS {
        return Err(invalid_params(format!(
            "Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}"
        )));
    }
    let addresses = addresses
        .iter()
        .map(|a| parse_pubkey(a))
        .collect::<RpcResult<Vec<_>>>()?;
    let config: RpcAccountInfoConfig = args.optional(1, "configuration")?.unwrap_or_default();
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        let encoding = config.encoding.unwrap_or(UiAccountEncoding::Base64);
        let value = addresses
            .iter()
            .map(|address| {
                chain
                    .account(address)
                    .map(|a| encode_account(chain, address, &a, encoding, config.data_slice))
                    .transpose()
            })
            .collect::<RpcResult<Vec<_>>>()?;
        with_context(chain.slot(), value)
    })
}

/// Whether `account` passes `filter`, as the validator decides.
fn filter_allows(filter: &RpcFilterType, account: &Account) -> bool {
    match filter {
        RpcFilterType::DataSize(size) => account.data.len() as u64 == *size,
        RpcFilterType::Memcmp(compare) => compare.bytes_match(&account.data),
        RpcFilterType::TokenAccountState => tokens::token_account(account).is_some(),
    }
}

fn get_program_accounts(node: &Node, args: Args) -> RpcResult<Value> {
    let program = args.pubkey(0)?;
    let config: RpcProgramAccountsConfig = args.optional(1, "configuration")?.unwrap_or_default();
    let filters = config.filters.unwrap_or_default();
    if filters.len() > MAX_FILTERS {
        return Err(invalid_params(format!(
            "Too many filters provided; max {MAX_FILTERS}"
        )));
    }
    for filter in &filters {
        filter
            .verify()
            .map_err(|e| invalid_params(format!("Invalid param: {e:?}")))?;
    }
    let account_config = config.account_config;
    node.read(|chain| {
        check_min_context_slot(account_config.min_context_slot, chain.slot())?;
        let encoding = account_config.encoding.unwrap_or(UiAccountEncoding::Binary);
        let mut matching: Vec<(Pubkey, Account)> = chain
            .program_accounts(&program)
            .map(|(k, a)| (*k, Account::from(a.clone())))
            .filter(|(_, a)| filters.iter().all(|f| filter_allows(f, a)))
            .collect();
        matching.sort_by_key(|(k, _)| *k);
        let keyed = matching
            .iter()
            .map(|(address, account)| {
                Ok(RpcKeyedAccount {
                    pubkey: address.to_string(),
                    account: encode_account(
                        chain,
                        address,
                        account,
                        encoding,
                        account_config.data_slice,
                    )?,
                })
            })
            .collect::<RpcResult<Vec<_>>>()?;
        if config.with_context.unwrap_or(false) {
            to_value(OptionalContext::Context(Response {
                context: RpcResponseContext::new(chain.slot()),
                value: keyed,
            }))
        } else {
            to_value(OptionalContext::<Vec<RpcKeyedAccount>>::NoContext(keyed))
        }
    })
}

fn get_balance(node: &Node, args: Args) -> RpcResult<Value> {
    let address = args.pubkey(0)?;
    let config = context_config(&args, 1)?;
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        let lamports = chain.account(&address).map_or(0, |a| a.lamports);
        with_context(chain.slot(), lamports)
    })
}

fn get_token_account_balance(node: &Node, args: Args) -> RpcResult<Value> {
    let address = args.pubkey(0)?;
    let config = context_config(&args, 1)?;
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        let account = chain
            .account(&address)
            .ok_or_else(|| invalid_params("Invalid param: could not find account"))?;
        let state = tokens::token_account(&account)
            .ok_or_else(|| invalid_params("Invalid param: not a Token account"))?;
        let now = chain.clock().unix_timestamp;
        let mint = chain
            .account(&state.mint)
            .and_then(|m| tokens::mint_data(&m, now))
            .ok_or_else(|| invalid_params("Invalid param: could not find mint"))?;
        let amount =
            solana_account_decoder::parse_token::token_amount_to_ui_amount_v3(state.amount, &mint);
        with_context(chain.slot(), amount)
    })
}

fn get_token_supply(node: &Node, args: Args) -> RpcResult<Value> {
    let address = args.pubkey(0)?;
    let config = context_config(&args, 1)?;
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        let now = chain.clock().unix_timestamp;
        let account = chain
            .account(&address)
            .filter(|a| tokens::is_token_program(&a.owner))
            .ok_or_else(|| invalid_params("Invalid param: not a Token mint"))?;
        let supply = tokens::mint_supply(&account)
            .ok_or_else(|| invalid_params("Invalid param: not a Token mint"))?;
        let mint = tokens::mint_data(&account, now)
            .ok_or_else(|| invalid_params("Invalid param: not a Token mint"))?;
        let amount =
            solana_account_decoder::parse_token::token_amount_to_ui_amount_v3(supply, &mint);
        with_context(chain.slot(), amount)
    })
}

fn get_token_accounts_by_owner(node: &Node, args: Args) -> RpcResult<Value> {
    let owner = args.pubkey(0)?;
    let filter: RpcTokenAccountsFilter = args.required(1, "a mint or programId filter")?;
    let config: RpcAccountInfoConfig = args.optional(2, "configuration")?.unwrap_or_default();
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        let (program, mint) = match &filter {
            RpcTokenAccountsFilter::Mint(mint) => {
                let mint = parse_pubkey(mint)?;
                let account = chain
                    .account(&mint)
                    .filter(|a| tokens::is_token_program(&a.owner))
                    .ok_or_else(|| invalid_params("Invalid param: could not find mint"))?;
                (account.owner, Some(mint))
            }
            RpcTokenAccountsFilter::ProgramId(program) => {
                let program = parse_pubkey(program)?;
                if !tokens::is_token_program(&program) {
                    return Err(invalid_params(
                        "Invalid param: unrecognized Token program id",
                    ));
                }
                (program, None)
            }
        };
        let encoding = config.encoding.unwrap_or(UiAccountEncoding::Binary);
        let mut matching: Vec<(Pubkey, Account)> = chain
            .program_accounts(&program)
            .map(|(k, a)| (*k, Account::from(a.clone())))
            .filter(|(_, a)| {
                tokens::token_account(a)
                    .is_some_and(|t| t.owner == owner && mint.is_none_or(|m| t.mint == m))
            })
            .collect();
        matching.sort_by_key(|(k, _)| *k);
        let keyed = matching
            .iter()
            .map(|(address, account)| {
                Ok(RpcKeyedAccount {
                    pubkey: address.to_string(),
                    account: encode_account(chain, address, account, encoding, config.data_slice)?,
                })
            })
            .collect::<RpcResult<Vec<_>>>()?;
        with_context(chain.slot(), keyed)
    })
}

/// Largest account data (the system program's `MAX_PERMITTED_DATA_LENGTH`, 10 MiB).
const MAX_PERMITTED_DATA_LENGTH: usize = 10 * 1024 * 1024;

fn get_minimum_balance(node: &Node, args: Args) -> RpcResult<Value> {
    let len: usize = args.required(0, "a data length")?;
    if len > MAX_PERMITTED_DATA_LENGTH {
        // The rent formula would overflow; no account can be that big anyway.
        return Err(invalid_params(format!(
            "Invalid params: data length above {MAX_PERMITTED_DATA_LENGTH} bytes, the most an \
             account holds"
        )));
    }
    let config = context_config(&args, 1)?;
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        to_value(chain.minimum_balance(len))
    })
}

// ---------------------------------------------------------------------- cluster state

fn get_latest_blockhash(node: &Node, args: Args) -> RpcResult<Value> {
    let config = context_config(&args, 0)?;
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        let (blockhash, last_valid_block_height) = chain.latest_blockhash();
        with_context(
            chain.slot(),
            RpcBlockhash {
                blockhash: blockhash.to_string(),
                last_valid_block_height,
            },
        )
    })
}

fn is_blockhash_valid(node: &Node, args: Args) -> RpcResult<Value> {
    let text: String = args.required(0, "a blockhash (base-58)")?;
    let hash: Hash = text
        .parse()
        .map_err(|e| invalid_params(format!("Invalid param: {e:?}")))?;
    let config = context_config(&args, 1)?;
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        with_context(chain.slot(), chain.is_blockhash_valid(&hash))
    })
}

fn get_slot(node: &Node, args: Args) -> RpcResult<Value> {
    let config = context_config(&args, 0)?;
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        to_value(chain.slot())
    })
}

fn get_block_height(node: &Node, args: Args) -> RpcResult<Value> {
    let config = context_config(&args, 0)?;
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        to_value(chain.block_height())
    })
}

fn get_transaction_count(node: &Node, args: Args) -> RpcResult<Value> {
    let config = context_config(&args, 0)?;
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        to_value(chain.transaction_count())
    })
}

fn get_epoch_info(node: &Node, args: Args) -> RpcResult<Value> {
    let config = context_config(&args, 0)?;
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        let schedule = chain.epoch_schedule();
        let slot = chain.slot();
        let (epoch, slot_index) = schedule.get_epoch_and_slot_index(slot);
        to_value(EpochInfo {
            epoch,
            slot_index,
            slots_in_epoch: schedule.get_slots_in_epoch(epoch),
            absolute_slot: slot,
            block_height: chain.block_height(),
            transaction_count: Some(chain.transaction_count()),
        })
    })
}

fn get_epoch_schedule(node: &Node, _args: Args) -> RpcResult<Value> {
    node.read(|chain| to_value(chain.epoch_schedule()))
}

fn get_block_time(node: &Node, args: Args) -> RpcResult<Value> {
    let slot: u64 = args.required(0, "a slot")?;
    node.read(|chain| match chain.block_time(slot) {
        BlockTime::Produced(time) => to_value(time),
        BlockTime::Skipped => Err(custom(RpcCustomError::SlotSkipped { slot })),
        BlockTime::Unknown => Err(custom(RpcCustomError::BlockNotAvailable { slot })),
    })
}

fn get_health(node: &Node, _args: Args) -> RpcResult<Value> {
    node.read(|_| Ok(json!("ok")))
}

fn get_version(node: &Node, _args: Args) -> RpcResult<Value> {
    node.read(|chain| {
        to_value(RpcVersionInfo {
            solana_core: crate::AGAVE_VERSION.to_string(),
            feature_set: Some(chain.feature_set_id()),
        })
    })
}

fn get_genesis_hash(_node: &Node, _args: Args) -> RpcResult<Value> {
    to_value(genesis_hash().to_string())
}

fn get_identity(node: &Node, _args: Args) -> RpcResult<Value> {
    to_value(RpcIdentity {
        identity: node.identity.to_string(),
    })
}

// ---------------------------------------------------------------------- transactions

/// The binary encoding of a transaction parameter (base58 unless the configuration says).
fn binary_encoding(
    encoding: Option<UiTransactionEncoding>,
) -> RpcResult<TransactionBinaryEncoding> {
    let encoding = encoding.unwrap_or(UiTransactionEncoding::Base58);
    encoding.into_binary_encoding().ok_or_else(|| {
        invalid_params(format!(
            "unsupported encoding: {encoding}. Supported encodings: base58, base64"
        ))
    })
}

/// Decodes and sanitizes a wire transaction, with the validator's limits and messages.
fn decode_transaction(
    encoded: &str,
    encoding: TransactionBinaryEncoding,
) -> RpcResult<VersionedTransaction> {
    use bincode::Options;
    let name = "solana_transaction::versioned::VersionedTransaction";
    let wire = match encoding {
        TransactionBinaryEncoding::Base58 => {
            if encoded.len() > MAX_BASE58_TRANSACTION {
                return Err(invalid_params(format!(
                    "base58 encoded {name} too large: {} bytes (max: encoded/raw \
                     {MAX_BASE58_TRANSACTION}/{PACKET_DATA_SIZE})",
                    encoded.len()
                )));
            }
            bs58::decode(encoded)
                .into_vec()
                .map_err(|e| invalid_params(format!("invalid base58 encoding: {e:?}")))?
        }
        TransactionBinaryEncoding::Base64 => {
            if encoded.len() > MAX_BASE64_TRANSACTION {
                return Err(invalid_params(format!(
                    "base64 encoded {name} too large: {} bytes (max: encoded/raw \
                     {MAX_BASE64_TRANSACTION}/{PACKET_DATA_SIZE})",
                    encoded.len()
                )));
            }
            BASE64_STANDARD
                .decode(encoded)
                .map_err(|e| invalid_params(format!("invalid base64 encoding: {e:?}")))?
        }
    };
    if wire.len() > PACKET_DATA_SIZE {
        return Err(invalid_params(format!(
            "decoded {name} too large: {} bytes (max: {PACKET_DATA_SIZE} bytes)",
            wire.len()
        )));
    }
    let tx: VersionedTransaction = bincode::options()
        .with_limit(PACKET_DATA_SIZE as u64)
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .deserialize_from(&wire[..])
        .map_err(|e| invalid_params(format!("failed to deserialize {name}: {e}")))?;
    tx.sanitize()
        .map_err(|e| invalid_params(format!("invalid transaction: {e}")))?;
    if tx.signatures.is_empty() {
        return Err(invalid_params("invalid transaction: no signatures"));
    }
    Ok(tx)
}

/// Refuses a transaction whose signatures do not verify (`-32003`).
fn verify(tx: &VersionedTransaction) -> RpcResult<()> {
    if tx.verify_with_results().iter().all(|ok| *ok) {
        Ok(())
    } else {
        Err(custom(
            RpcCustomError::TransactionSignatureVerificationFailure,
        ))
    }
}

/// A simulation as the RPC reports it; `accounts`: the addresses asked for, in `encoding`.
fn simulation_result(
    chain: &Chain,
    simulation: Simulation,
    accounts: Option<(Vec<Pubkey>, UiAccountEncoding)>,
    replacement_blockhash: Option<RpcBlockhash>,
    inner_instructions: bool,
) -> RpcResult<RpcSimulateTransactionResult> {
    let accounts = match accounts {
        None => None,
        Some((addresses, encoding)) => Some(
            addresses
                .iter()
                .map(|address| {
                    let post = simulation
                        .post_accounts
                        .iter()
                        .find(|(k, _)| k == address)
                        .map(|(_, a)| Account::from(a.clone()))
                        .or_else(|| chain.account(address))
                        .filter(|a| a.lamports() > 0);
                    post.map(|a| encode_account(chain, address, &a, encoding, None))
                        .transpose()
                })
                .collect::<RpcResult<Vec<_>>>()?,
        ),
    };
    Ok(RpcSimulateTransactionResult {
        err: simulation.err.map(Into::into),
        logs: Some(simulation.logs),
        accounts,
        units_consumed: Some(simulation.units_consumed),
        loaded_accounts_data_size: None,
        return_data: simulation.return_data.map(Into::into),
        inner_instructions: inner_instructions.then(|| {
            simulation
                .inner_instructions
                .into_iter()
                .map(Into::into)
                .collect()
        }),
        replacement_blockhash,
        fee: Some(simulation.fee),
        pre_balances: Some(simulation.pre_balances),
        post_balances: Some(simulation.post_balances),
        pre_token_balances: None,
        post_token_balances: None,
        loaded_addresses: None,
    })
}

/// `Transaction simulation failed: <error>`, with the simulation as data (`-32002`).
fn preflight_failure(chain: &Chain, simulation: Simulation) -> ErrorObjectOwned {
    let message = match &simulation.err {
        Some(err) => format!("Transaction simulation failed: {err}"),
        None => "Transaction simulation failed".to_string(),
    };
    match simulation_result(chain, simulation, None, None, false) {
        Ok(result) => custom(RpcCustomError::SendTransactionPreflightFailure { message, result }),
        Err(e) => e,
    }
}

fn send_error(chain: &Chain, error: SendError) -> ErrorObjectOwned {
    match error {
        SendError::Signature => custom(RpcCustomError::TransactionSignatureVerificationFailure),
        SendError::Preflight(simulation) => preflight_failure(chain, *simulation),
        SendError::Unhealthy => custom(RpcCustomError::NodeUnhealthy {
            num_slots_behind: None,
        }),
        SendError::Panic(msg) => internal(format!("the runtime panicked: {msg}")),
        SendError::Ledger(e) => crate::params::ledger(e),
    }
}

fn get_fee_for_message(node: &Node, args: Args) -> RpcResult<Value> {
    use bincode::Options;
    let encoded: String = args.required(0, "a message (base64)")?;
    let config = context_config(&args, 1)?;
    if encoded.len() > MAX_BASE64_TRANSACTION {
        return Err(invalid_params(format!(
            "base64 encoded message too large: {} bytes (max: {MAX_BASE64_TRANSACTION})",
            encoded.len()
        )));
    }
    let wire = BASE64_STANDARD
        .decode(&encoded)
        .map_err(|e| invalid_params(format!("invalid base64 encoding: {e:?}")))?;
    let message: VersionedMessage = bincode::options()
        .with_limit(PACKET_DATA_SIZE as u64)
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .deserialize_from(&wire[..])
        .map_err(|e| invalid_params(format!("failed to deserialize the message: {e}")))?;
    message
        .sanitize()
        .map_err(|e| invalid_params(format!("invalid transaction message: {e}")))?;
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        let fee = chain.fee_for(message);
        with_context(chain.slot(), fee)
    })
}

fn send_transaction(node: &Node, args: Args) -> RpcResult<Value> {
    let encoded: String = args.required(0, "an encoded transaction")?;
    let config: RpcSendTransactionConfig = args.optional(1, "configuration")?.unwrap_or_default();
    let tx = decode_transaction(&encoded, binary_encoding(config.encoding)?)?;
    verify(&tx)?;
    node.write(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        match chain.send(tx, !config.skip_preflight) {
            Ok(signature) => to_value(signature.to_string()),
            Err(e) => Err(send_error(chain, e)),
        }
    })
}

fn simulate_transaction(node: &Node, args: Args) -> RpcResult<Value> {
    let encoded: String = args.required(0, "an encoded transaction")?;
    let config: RpcSimulateTransactionConfig =
        args.optional(1, "configuration")?.unwrap_or_default();
    let mut tx = decode_transaction(&encoded, binary_encoding(config.encoding)?)?;
    if config.sig_verify {
        if config.replace_recent_blockhash {
            return Err(invalid_params(
                "sigVerify may not be used with replaceRecentBlockhash",
            ));
        }
        verify(&tx)?;
    }
    let accounts = match &config.accounts {
        None => None,
        Some(accounts) => {
            let encoding = accounts.encoding.unwrap_or(UiAccountEncoding::Base64);
            if matches!(
                encoding,
                UiAccountEncoding::Binary | UiAccountEncoding::Base58
            ) {
                return Err(invalid_params("base58 encoding not supported"));
            }
            if accounts.addresses.len() > MAX_MULTIPLE_ACCOUNTS {
                return Err(invalid_params(format!(
                    "Too many accounts provided; max {MAX_MULTIPLE_ACCOUNTS}"
                )));
            }
            let addresses = accounts
                .addresses
                .iter()
                .map(|a| parse_pubkey(a))
                .collect::<RpcResult<Vec<_>>>()?;
            Some((addresses, encoding))
        }
    };
    node.read(|chain| {
        check_min_context_slot(config.min_context_slot, chain.slot())?;
        let replacement = config.replace_recent_blockhash.then(|| {
            let (blockhash, last_valid_block_height) = chain.latest_blockhash();
            set_blockhash(&mut tx.message, blockhash);
            RpcBlockhash {
                blockhash: blockhash.to_string(),
                last_valid_block_height,
            }
        });
        let simulation = chain.simulate(&tx, config.sig_verify);
        let result = simulation_result(
            chain,
            simulation,
            accounts,
            replacement,
            config.inner_instructions,
        )?;
        with_context(chain.slot(), result)
    })
}

fn set_blockhash(message: &mut VersionedMessage, hash: Hash) {
    match message {
        VersionedMessage::Legacy(m) => m.recent_blockhash = hash,
        VersionedMessage::V0(m) => m.recent_blockhash = hash,
    }
}

fn request_airdrop(node: &Node, args: Args) -> RpcResult<Value> {
    let to = args.pubkey(0)?;
    let lamports: u64 = args.required(1, "an amount of lamports")?;
    let _config: Option<RpcRequestAirdropConfig> = args.optional(2, "configuration")?;
    node.write(|chain| match chain.airdrop(&to, lamports) {
        Ok(signature) => to_value(signature.to_string()),
        Err(e) => Err(send_error(chain, e)),
    })
}

fn get_signature_statuses(node: &Node, args: Args) -> RpcResult<Value> {
    let signatures: Vec<String> = args.required(0, "a list of signatures")?;
    if signatures.len() > MAX_SIGNATURE_STATUSES {
        return Err(invalid_params(format!(
            "Too many inputs provided; max {MAX_SIGNATURE_STATUSES}"
        )));
    }
    let signatures = signatures
        .iter()
        .map(|s| crate::params::parse_signature(s))
        .collect::<RpcResult<Vec<_>>>()?;
    // Every status the server has is final; searchTransactionHistory changes nothing.
    let _config: Option<RpcSignatureStatusConfig> = args.optional(1, "configuration")?;
    node.read(|chain| {
        let statuses: Vec<Option<TransactionStatus>> = signatures
            .iter()
            .map(|s| chain.landed(s).map(status_of))
            .collect();
        with_context(chain.slot(), statuses)
    })
}

/// The status of a landed transaction: final at once (one node, no forks).
pub fn status_of(landed: &crate::chain::Landed) -> TransactionStatus {
    TransactionStatus {
        slot: landed.slot,
        confirmations: None,
        status: landed.meta.status.clone(),
        err: landed.meta.status.clone().err(),
        confirmation_status: Some(TransactionConfirmationStatus::Finalized),
    }
}

fn get_transaction(node: &Node, args: Args) -> RpcResult<Value> {
    let signature = args.signature(0)?;
    let config: RpcTransactionConfig = args
        .optional::<RpcEncodingConfigWrapper<RpcTransactionConfig>>(1, "configuration")?
        .map(|c| c.convert_to_current())
        .unwrap_or_default();
    let encoding = config.encoding.unwrap_or(UiTransactionEncoding::Json);
    if encoding == UiTransactionEncoding::JsonParsed {
        return Err(invalid_params(
            "jsonParsed is not supported for transactions by spice serve: use json, base64 or \
             base58",
        ));
    }
    node.read(|chain| {
        let Some(landed) = chain.landed(&signature) else {
            return Ok(Value::Null);
        };
        let version = landed.transaction.version();
        if let TransactionVersion::Number(v) = version {
            if config
                .max_supported_transaction_version
                .is_none_or(|max| v > max)
            {
                return Err(custom(RpcCustomError::UnsupportedTransactionVersion(v)));
            }
        }
        let transaction = encode_transaction(&landed.transaction, encoding);
        to_value(EncodedConfirmedTransactionWithStatusMeta {
            slot: landed.slot,
            transaction: EncodedTransactionWithStatusMeta {
                transaction,
                meta: Some(UiTransactionStatusMeta::from(landed.meta.clone())),
                version: config.max_supported_transaction_version.map(|_| version),
            },
            block_time: Some(landed.block_time),
        })
    })
}

/// A transaction in `encoding` (`json`: the raw message, as the validator shows it).
fn encode_transaction(
    tx: &VersionedTransaction,
    encoding: UiTransactionEncoding,
) -> EncodedTransaction {
    let binary = |enc: TransactionBinaryEncoding| {
        let wire = bincode::serialize(tx).unwrap_or_default();
        let text = match enc {
            TransactionBinaryEncoding::Base58 => bs58::encode(&wire).into_string(),
            TransactionBinaryEncoding::Base64 => BASE64_STANDARD.encode(&wire),
        };
        EncodedTransaction::Binary(text, enc)
    };
    match encoding {
        UiTransactionEncoding::Base58 => binary(TransactionBinaryEncoding::Base58),
        UiTransactionEncoding::Base64 => binary(TransactionBinaryEncoding::Base64),
        UiTransactionEncoding::Binary => EncodedTransaction::LegacyBinary(
            bs58::encode(bincode::serialize(tx).unwrap_or_default()).into_string(),
        ),
        _ => {
            let message = &tx.message;
            let lookups = match message {
                VersionedMessage::Legacy(_) => None,
                VersionedMessage::V0(m) => {
                    Some(m.address_table_lookups.iter().map(Into::into).collect())
                }
            };
            EncodedTransaction::Json(UiTransaction {
                signatures: tx.signatures.iter().map(ToString::to_string).collect(),
                message: UiMessage::Raw(UiRawMessage {
                    header: *message.header(),
                    account_keys: message
                        .static_account_keys()
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                    recent_blockhash: message.recent_blockhash().to_string(),
                    instructions: message
                        .instructions()
                        .iter()
                        .map(|ix| UiCompiledInstruction::from(ix, None))
                        .collect(),
                    address_table_lookups: lookups,
                }),
            })
        }
    }
}

// ---------------------------------------------------------------------- dev methods

fn clock_value(chain: &Chain) -> Value {
    let clock = chain.clock();
    json!({
        "slot": clock.slot,
        "epoch": clock.epoch,
        "unixTimestamp": clock.unix_timestamp,
        "epochStartTimestamp": clock.epoch_start_timestamp,
        "leaderScheduleEpoch": clock.leader_schedule_epoch,
        "blockHeight": chain.block_height(),
    })
}

/// `spice_clock`: the Clock sysvar and the block height.
fn dev_clock(node: &Node, _args: Args) -> RpcResult<Value> {
    node.read(|chain| Ok(clock_value(chain)))
}

/// `spice_warpSeconds [seconds]`: moves unix time on (and two slots), as `spice dev warp
/// --seconds` does on the ledger file.
fn dev_warp_seconds(node: &Node, args: Args) -> RpcResult<Value> {
    let seconds: u64 = args.required(0, "a number of seconds")?;
    if i64::try_from(seconds).is_err() {
        return Err(invalid_params("Invalid params: too many seconds"));
    }
    node.write(|chain| {
        chain
            .clock()
            .unix_timestamp
            .checked_add_unsigned(seconds)
            .ok_or_else(|| invalid_params("Invalid params: time overflow"))?;
        chain.warp_seconds(seconds);
        Ok(clock_value(chain))
    })
}

/// `spice_warpSlots [slots]`: moves the slot on, unix time unchanged.
fn dev_warp_slots(node: &Node, args: Args) -> RpcResult<Value> {
    let slots: u64 = args.required(0, "a number of slots")?;
    node.write(|chain| {
        chain
            .slot()
            .checked_add(slots)
            .filter(|s| *s < u64::MAX / 2)
            .ok_or_else(|| invalid_params("Invalid params: slot overflow"))?;
        chain.warp_slots(slots);
        Ok(clock_value(chain))
    })
}

/// `spice_refuseSends [n]`: the next `n` sendTransaction calls answer `-32005 Node is
/// unhealthy` without executing anything (for testing a client's retries).
fn dev_refuse_sends(node: &Node, args: Args) -> RpcResult<Value> {
    let n: u32 = args.required(0, "a number of sends")?;
    node.read(|chain| {
        chain.refuse_sends(n);
        Ok(json!(n))
    })
}
