//! The compute-unit estimate of Spice's own instructions: without an SBF build the program's
//! units cannot be measured, so they are estimated from a documented model — the runtime's
//! syscall prices (read from its execution-cost table), the measured units of the SBF programs
//! it calls, Anchor's own benchmark for its per-account work, and stated allowances for the
//! handlers' arithmetic. Every term is listed per instruction in docs/COSTS.md.

use anchor_lang::Space;
use solana_program_runtime::execution_budget::SVMTransactionExecutionCost;
use spice::state::{
    Attestation, Attestor, Client, EpochEntry, EpochShard, Job, Network, Provider, ProviderEntry,
    EPOCH_BOOK_HEADER, PAGE_LEN, PROVIDER_BOOK_HEADER,
};

use super::chain::{Fixed, Measured};
use super::scenario::Step;
use super::source::{handler_searches, FieldInfo, Kind, Pda};

/// The runtime's prices, from its execution-cost table with the feature set the runtime runs
/// (every feature enabled, as solana-program-test did).
#[derive(Clone, Copy, Debug)]
pub struct Prices {
    pub create_program_address: u64,
    pub invoke: u64,
    pub cpi_bytes_per_unit: u64,
    pub syscall_base: u64,
    /// SIMD-0339 (`increase_cpi_account_info_limit`): CPIs also pay for their account metas
    /// (34 bytes each) and account infos (80 bytes each).
    pub cpi_metas_and_infos: bool,
}

impl Prices {
    pub fn of_runtime() -> Self {
        let features = agave_feature_set::FeatureSet::all_enabled();
        let simd_0339 =
            features.is_active(&agave_feature_set::increase_cpi_account_info_limit::id());
        let cost = SVMTransactionExecutionCost::new_with_defaults(simd_0339);
        Self {
            create_program_address: cost.create_program_address_units,
            invoke: cost.invoke_units,
            cpi_bytes_per_unit: cost.cpi_bytes_per_unit,
            syscall_base: cost.syscall_base_cost,
            cpi_metas_and_infos: simd_0339,
        }
    }
}

/// Anchor's benchmark (`bench/COMPUTE_UNITS.md` of the Anchor repository, "Unreleased" after
/// 0.32.1, Solana 2.3): units of an instruction taking 1 and 8 accounts of one type.
pub const ANCHOR_BENCH: &[(&str, u64, u64)] = &[
    ("accountInfo", 685, 3_135),
    ("accountEmpty", 774, 3_548),
    ("boxedAccountEmpty", 864, 3_801),
    ("boxedInterfaceAccountMint", 1_110, 4_064),
    ("boxedInterfaceAccountToken", 1_246, 5_068),
    ("interface", 878, 1_867),
    ("program", 890, 1_879),
    ("signer", 874, 2_941),
    ("systemAccount", 911, 3_153),
    ("uncheckedAccount", 882, 2_833),
    ("accountEmptyInit", 4_915, 31_997),
];

/// Units per account of one type: the benchmark's 8-account figure less its 1-account figure,
/// over 7.
pub fn bench_marginal(name: &str) -> u64 {
    ANCHOR_BENCH
        .iter()
        .find(|(n, _, _)| *n == name)
        .map_or(0, |(_, one, eight)| (eight - one) / 7)
}

/// The fixed part of an Anchor instruction: the largest of the benchmark's 1-account figures
/// less that account's marginal cost (entrypoint, dispatch, the `Instruction: …` log).
pub fn bench_base() -> u64 {
    ANCHOR_BENCH
        .iter()
        .filter(|(n, _, _)| !n.ends_with("Init"))
        .map(|(n, one, _)| one - bench_marginal(n))
        .max()
        .unwrap_or(0)
}

/// Allowances of the model that no table gives: stated, and the least certain part.
pub mod allowance {
    /// Units per byte Borsh decodes or encodes (account data, events): about 2× the ~0.5/byte
    /// commonly quoted for large accounts, for the many small fields of Spice's accounts.
    pub const PER_BYTE: u64 = 1;
    /// Rust side of one CPI: building the instruction (Vec of metas and data), cloning the
    /// account infos, `invoke_signed`'s borrow checks, copying results back. Calibrated on
    /// Anchor's init (3,868 per account in its benchmark) less the create_account syscall
    /// (946), the system program (150) and `Rent::get` (124): what Anchor's own CPI code costs
    /// (with init's checks, so on the high side for a plain transfer).
    pub const CPI_GLUE: u64 = 2_600;
    /// Every handler's checks, state methods and event building.
    pub const HANDLER: u64 = 1_000;
    /// Settlement's arithmetic: the stake multiplier (`isqrt`, ≤ 64 rounds of u128 shifts
    /// and compares) and the payout, value and score (u128 products and quotients; a u128
    /// division is a software routine on SBF, ~1,000 units).
    pub const SETTLEMENT: u64 = 4_000;
    /// The audit draw: a binary search of SlotHashes in place (≤ 10 probes).
    pub const DRAW: u64 = 1_000;
    /// One `payee_accepts` (a token account unpacked with its extensions).
    pub const PAYEE_CHECK: u64 = 500;
    /// One mint screen (`StateWithExtensions::unpack`, the extension list walked).
    pub const MINT_SCREEN: u64 = 500;
    /// A vote counted (and on a Valid quorum the median of ≤ 16 votes).
    pub const VOTE: u64 = 500;
    /// One reward share (`allocated × score / total`, u128 division).
    pub const REWARD_SHARE: u64 = 1_200;
    /// The circuit breaker's rolling window (9 buckets), read and recorded.
    pub const BREAKER: u64 = 1_500;
    /// One `wad_mul` of the emission curve's power (a u128 product and division); at most
    /// two per bit of the epoch index.
    pub const CURVE_ROUND: u64 = 1_200;
    /// Formatting one `msg!` line.
    pub const MSG_FORMAT: u64 = 100;
    /// Building one event (`Event::data`: a Vec and the discriminator).
    pub const EVENT_BUILD: u64 = 100;
    /// Expected tries of a bump search: each bump is off the curve with probability ½.
    pub const SEARCH_TRIES: u64 = 2;
}

/// One term of an estimate.
#[derive(Clone, Debug)]
pub struct Term {
    pub name: &'static str,
    pub units: u64,
}

/// An instruction's estimate.
#[derive(Clone, Debug)]
pub struct Estimate {
    pub terms: Vec<Term>,
    pub stored_bumps: usize,
    /// (Clock, Rent) reads found on the native meter.
    pub sysvar_reads: Option<(u64, u64)>,
    pub searches: usize,
    /// Of which derived in handlers.
    pub handler_searches: Vec<(&'static str, usize)>,
    /// Of which under the associated token program (payees' ATAs).
    pub ata_searches: usize,
}

impl Estimate {
    pub fn total(&self) -> u64 {
        self.terms.iter().map(|t| t.units).sum()
    }

    pub fn term(&self, name: &str) -> u64 {
        self.terms
            .iter()
            .filter(|t| t.name == name)
            .map(|t| t.units)
            .sum()
    }
}

pub const T_FRAMEWORK: &str = "Anchor accounts";
pub const T_DATA: &str = "data (de)coding";
pub const T_PDA: &str = "PDA derivations";
pub const T_CPI: &str = "CPI overhead";
pub const T_CALLEES: &str = "callees (measured)";
pub const T_LOGS: &str = "logs and events";
pub const T_SYSVARS: &str = "sysvars (measured)";
pub const T_HANDLER: &str = "handler logic";
pub const TERMS: &[&str] = &[
    T_FRAMEWORK,
    T_DATA,
    T_PDA,
    T_CPI,
    T_CALLEES,
    T_LOGS,
    T_SYSVARS,
    T_HANDLER,
];

/// Units the callees consumed as the runtime reports them (SBF programs), plus the system
/// program's fixed charge per call.
pub fn callee_units(m: &Measured, fixed: Fixed) -> u64 {
    m.cpis
        .iter()
        .map(|c| c.consumed.unwrap_or(fixed.system))
        .sum()
}

/// What the native program itself metered: the transaction's units less the compute-budget
/// instruction and the callees. On the host that is 1 unit for entering a builtin plus the
/// sysvar reads (`Clock::get`, `Rent::get`: 100 + the sysvar's size each), which an SBF build
/// pays the same.
pub fn native_units(m: &Measured, fixed: Fixed) -> u64 {
    m.metered
        .saturating_sub(fixed.compute_budget)
        .saturating_sub(callee_units(m, fixed))
}

/// What one sysvar read costs: `sysvar_base_cost` plus a size, which the runtime's SBF
/// syscall takes as the type's in-memory size and the native shim (solana-program-test's) as
/// its serialized size (Rent: 24 against 17 bytes).
fn sysvar_price<T: solana_sdk::sysvar::SysvarSerialize>(sbf: bool) -> u64 {
    100 + if sbf {
        std::mem::size_of::<T>() as u64
    } else {
        T::size_of() as u64
    }
}

/// The SBF price of `reads` = (Clock reads, Rent reads).
pub fn sysvar_units(reads: (u64, u64)) -> u64 {
    reads.0 * sysvar_price::<anchor_lang::prelude::Clock>(true)
        + reads.1 * sysvar_price::<anchor_lang::prelude::Rent>(true)
}

/// (Clock reads, Rent reads) that make up the native meter's `native − 1` at the native shim's
/// prices, if exactly one pair does.
pub fn sysvar_reads(native: u64) -> Option<(u64, u64)> {
    let clock = sysvar_price::<anchor_lang::prelude::Clock>(false);
    let rent = sysvar_price::<anchor_lang::prelude::Rent>(false);
    let target = native.checked_sub(1)?;
    let mut found = None;
    for c in 0..=16 {
        for r in 0..=16 {
            if c * clock + r * rent == target {
                if found.is_some() {
                    return None;
                }
                found = Some((c, r));
            }
        }
    }
    found
}

/// Borsh size of an event with every `Option` present and every `String` at its longest
/// (the events' strings are URIs, ≤ 128 bytes, and hardware names): an upper bound.
pub fn event_bytes(idl: &anchor_lang_idl::types::Idl, name: &str) -> Option<usize> {
    use anchor_lang_idl::types::IdlTypeDefTy;
    let def = idl.types.iter().find(|t| t.name == name)?;
    let IdlTypeDefTy::Struct { fields } = &def.ty else {
        return None;
    };
    Some(8 + fields_size(idl, fields.as_ref())?)
}

fn fields_size(
    idl: &anchor_lang_idl::types::Idl,
    fields: Option<&anchor_lang_idl::types::IdlDefinedFields>,
) -> Option<usize> {
    use anchor_lang_idl::types::IdlDefinedFields;
    match fields {
        None => Some(0),
        Some(IdlDefinedFields::Named(fs)) => fs
            .iter()
            .map(|f| type_size(idl, &f.ty, &f.name))
            .sum::<Option<usize>>(),
        Some(IdlDefinedFields::Tuple(ts)) => ts
            .iter()
            .map(|t| type_size(idl, t, ""))
            .sum::<Option<usize>>(),
    }
}

fn type_size(
    idl: &anchor_lang_idl::types::Idl,
    ty: &anchor_lang_idl::types::IdlType,
    field: &str,
) -> Option<usize> {
    use anchor_lang_idl::types::{IdlArrayLen, IdlType, IdlTypeDefTy};
    Some(match ty {
        IdlType::Bool | IdlType::U8 | IdlType::I8 => 1,
        IdlType::U16 | IdlType::I16 => 2,
        IdlType::U32 | IdlType::I32 | IdlType::F32 => 4,
        IdlType::U64 | IdlType::I64 | IdlType::F64 => 8,
        IdlType::U128 | IdlType::I128 => 16,
        IdlType::Pubkey => 32,
        IdlType::String => {
            4 + match field {
                "gpu_model" => spice::constants::MAX_GPU_MODEL_LEN,
                "region" => spice::constants::MAX_REGION_LEN,
                _ => spice::constants::MAX_URI_LEN,
            }
        }
        IdlType::Option(inner) => 1 + type_size(idl, inner, field)?,
        IdlType::Array(inner, IdlArrayLen::Value(n)) => n * type_size(idl, inner, field)?,
        IdlType::Defined { name, .. } => {
            let def = idl.types.iter().find(|t| &t.name == name)?;
            match &def.ty {
                IdlTypeDefTy::Struct { fields } => fields_size(idl, fields.as_ref())?,
                IdlTypeDefTy::Enum { variants } => {
                    1 + variants
                        .iter()
                        .map(|v| fields_size(idl, v.fields.as_ref()))
                        .collect::<Option<Vec<_>>>()?
                        .into_iter()
                        .max()
                        .unwrap_or(0)
                }
                IdlTypeDefTy::Type { alias } => type_size(idl, alias, field)?,
            }
        }
        _ => return None,
    })
}

/// `Program data: <base64>` of an event of `bytes` bytes: its length in the log.
pub fn event_log_len(bytes: usize) -> usize {
    "Program data: ".len() + bytes.div_ceil(3) * 4
}

/// A callee instruction's account metas and data length (for the CPI's byte charges).
fn cpi_shape(name: Option<&str>) -> (u64, u64) {
    match name {
        Some("TransferChecked") => (4, 10),
        Some("InitializeAccount3") => (2, 33),
        Some("CloseAccount") => (3, 1),
        // The system program: create_account (the others are smaller).
        _ => (2, 52),
    }
}

/// The estimate of one measured step. `fields` are the instruction's account fields in meta
/// order; metas past them are remaining accounts.
pub fn estimate(
    step: &Step,
    fields: &[FieldInfo],
    prices: Prices,
    fixed: Fixed,
    event_sizes: &[usize],
) -> Estimate {
    let m = &step.m;
    let f = &step.facts;
    let ix = &m.ix;
    let data_len = |i: usize| {
        ix.accounts
            .get(i)
            .and_then(|meta| m.changes.iter().find(|c| c.address == meta.pubkey))
            .map_or(0, |c| c.data_len() as u64)
    };
    let present = |i: usize| {
        ix.accounts
            .get(i)
            .is_some_and(|meta| meta.pubkey != spice::ID || meta.is_writable)
    };

    // Anchor's per-account work, and the Borsh work on account data.
    let mut framework = bench_base();
    let mut data = 0u64;
    let mut stored = 0usize;
    let mut searches = 0usize;
    let mut ata_searches = 0usize;
    for (i, field) in fields.iter().enumerate() {
        if !present(i) {
            framework += 50; // an absent optional: its placeholder compared
            continue;
        }
        let len = data_len(i);
        framework += match &field.kind {
            Kind::Account(_) if field.boxed => bench_marginal("boxedAccountEmpty"),
            Kind::Account(_) => bench_marginal("accountEmpty"),
            Kind::InterfaceMint => bench_marginal("boxedInterfaceAccountMint"),
            Kind::InterfaceToken => bench_marginal("boxedInterfaceAccountToken"),
            Kind::Signer => bench_marginal("signer"),
            Kind::Unchecked => bench_marginal("uncheckedAccount"),
            Kind::Program => bench_marginal("program"),
            Kind::Interface => bench_marginal("interface"),
            Kind::SystemAccount => bench_marginal("systemAccount"),
            Kind::Other(_) => bench_marginal("accountInfo"),
        };
        data += allowance::PER_BYTE
            * match &field.kind {
                Kind::Account(_) => {
                    let write = field.mutable && !field.close;
                    len * if write { 2 } else { 1 }
                }
                // The benchmark's accounts are base-size; extensions decode on top.
                Kind::InterfaceToken => len.saturating_sub(165),
                Kind::InterfaceMint => len.saturating_sub(82),
                _ => 0,
            };
        match &field.pda {
            Some(Pda::Stored) => stored += 1,
            Some(Pda::Search(program)) => {
                searches += 1;
                if program.is_some() {
                    ata_searches += 1;
                }
            }
            None => {}
        }
    }
    let remaining = ix.accounts.len().saturating_sub(fields.len()) as u64;
    framework += remaining * bench_marginal("accountInfo");
    data += allowance::PER_BYTE * handler_bytes(step, fields.len());

    let handler = handler_searches(step.instruction, f.settles, step.shard_count);
    searches += handler.iter().map(|(_, n)| n).sum::<usize>();
    let pda = stored as u64 * prices.create_program_address
        + searches as u64 * allowance::SEARCH_TRIES * prices.create_program_address;

    // CPIs: the runtime's charges and the Rust side.
    let cpi: u64 = m
        .cpis
        .iter()
        .map(|c| {
            let (metas, data) = cpi_shape(c.name.as_deref());
            let mut bytes = data + metas * 250;
            if prices.cpi_metas_and_infos {
                bytes += metas * (34 + 80);
            }
            prices.invoke + bytes / prices.cpi_bytes_per_unit + allowance::CPI_GLUE
        })
        .sum();
    let callees = callee_units(m, fixed);

    // Logs: the program's `msg!` lines (the dispatcher's `Instruction: …` among them) and its
    // events (`sol_log_data`: base + one base per field + the bytes).
    let msg: u64 = m
        .program_lines
        .iter()
        .map(|l| prices.syscall_base.max(l.len() as u64) + allowance::MSG_FORMAT)
        .sum();
    let events: u64 = event_sizes
        .iter()
        .map(|b| {
            2 * prices.syscall_base
                + *b as u64
                + allowance::PER_BYTE * *b as u64
                + allowance::EVENT_BUILD
        })
        .sum();

    let native = native_units(m, fixed);
    let reads = sysvar_reads(native);
    let sysvars = reads.map_or(native.saturating_sub(1), sysvar_units);

    let mut logic = allowance::HANDLER
        + f.payee_checks as u64 * allowance::PAYEE_CHECK
        + f.mint_screens as u64 * allowance::MINT_SCREEN;
    if f.settles {
        logic += allowance::SETTLEMENT;
    }
    if f.draws {
        logic += allowance::DRAW;
    }
    if f.vote {
        logic += allowance::VOTE;
    }
    if f.breaker {
        logic += allowance::BREAKER;
    }
    logic += f.claim_scored as u64 * allowance::REWARD_SHARE;
    if let Some(index) = f.finalize_index {
        let rounds = u64::from(64 - index.leading_zeros());
        logic += 2 * rounds * allowance::CURVE_ROUND;
    }

    Estimate {
        terms: vec![
            Term {
                name: T_FRAMEWORK,
                units: framework,
            },
            Term {
                name: T_DATA,
                units: data,
            },
            Term {
                name: T_PDA,
                units: pda,
            },
            Term {
                name: T_CPI,
                units: cpi,
            },
            Term {
                name: T_CALLEES,
                units: callees,
            },
            Term {
                name: T_LOGS,
                units: msg + events,
            },
            Term {
                name: T_SYSVARS,
                units: sysvars,
            },
            Term {
                name: T_HANDLER,
                units: logic,
            },
        ],
        stored_bumps: stored,
        sysvar_reads: reads,
        searches,
        handler_searches: handler,
        ata_searches,
    }
}

/// Bytes the handler itself decodes and encodes outside Anchor's `Account<T>` fields: accounts
/// it creates, loads or stores by hand, and the single entries of book pages it reads and
/// writes (`read_entry`, `write_entry`), sized by the program's own types.
pub fn handler_bytes(step: &Step, fixed_fields: usize) -> u64 {
    let remaining = step.m.ix.accounts.len().saturating_sub(fixed_fields) as u64;
    let f = &step.facts;
    let created = |disc: &[u8]| {
        step.m.changes.iter().any(|c| {
            c.created().is_some()
                && c.after
                    .as_ref()
                    .is_some_and(|a| a.data.len() >= 8 && &a.data[..8] == disc)
        })
    };
    use anchor_lang::Discriminator;
    let size = |init: usize| 8 + init as u64;
    let epoch_entry = EpochEntry::INIT_SPACE as u64;
    let provider_entry = ProviderEntry::INIT_SPACE as u64;
    let mut bytes = match step.instruction {
        "create_network" => size(Network::INIT_SPACE),
        "add_attestor" => size(Attestor::INIT_SPACE),
        "register_provider" => size(Provider::INIT_SPACE),
        "create_job" => {
            let client = if created(Client::DISCRIMINATOR) { 1 } else { 2 };
            client * size(Client::INIT_SPACE) + size(Job::INIT_SPACE)
        }
        "attest" => {
            let earlier = remaining / 3;
            size(Attestation::INIT_SPACE)
                + earlier * (size(Attestation::INIT_SPACE) + 2 * size(Attestor::INIT_SPACE))
        }
        "finalize_epoch" => {
            let shards = step
                .m
                .ix
                .accounts
                .iter()
                .skip(fixed_fields)
                .filter(|meta| {
                    step.m
                        .changes
                        .iter()
                        .any(|c| c.address == meta.pubkey && c.data_len() > 0)
                })
                .count() as u64;
            let header = if created(spice::state::EpochBook::DISCRIMINATOR) {
                EPOCH_BOOK_HEADER as u64
            } else {
                0
            };
            header + 2 * epoch_entry + shards * size(EpochShard::INIT_SPACE)
        }
        "claim_rewards" => {
            f.claim_pages as u64
                * (EPOCH_BOOK_HEADER as u64
                    + PROVIDER_BOOK_HEADER as u64
                    + PAGE_LEN as u64 * provider_entry)
                + f.claim_scored as u64 * epoch_entry
                + f.claim_paid as u64 * (epoch_entry + provider_entry)
        }
        "close_epoch" => EPOCH_BOOK_HEADER as u64 + 2 * epoch_entry,
        _ => 0,
    };
    if f.settles {
        let book_header = if created(spice::state::ProviderBook::DISCRIMINATOR) {
            PROVIDER_BOOK_HEADER as u64
        } else {
            0
        };
        let shard_reads = if created(EpochShard::DISCRIMINATOR) {
            1
        } else {
            2
        };
        bytes += book_header + 2 * provider_entry + shard_reads * size(EpochShard::INIT_SPACE);
    }
    bytes
}
