//! The runtime the costs are measured on: a fresh `spice_ledger::Runtime` (the program native,
//! the token programs as SBF), one transaction at a time, with what each measured transaction
//! did recorded from the runtime itself.
//!
//! From the runtime's report of each transaction (`spice_ledger::Executed`):
//! - the units the whole transaction metered (`Details::compute_units_consumed`);
//! - the CPIs (`Details::inner_instructions`, stack height 2) and, from the log lines
//!   (`Program <id> invoke [n]`, `Program <id> consumed <cu> of <limit> compute units`), each
//!   SBF callee's units as the runtime reports them (the two must name the same calls);
//! - the log itself, and the native program's `msg!` lines (standard output on the host),
//!   captured with `spice_ledger::capture::StdoutCapture`.

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anyhow::{anyhow, bail, Result};
use solana_sdk::account::Account;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;
use spice_ledger::capture::StdoutCapture;
use spice_ledger::{Failed, Runtime};
use spice_sdk::ledger::compute_limit_ix;

/// The compute-unit limit of every transaction sent for real (the SDK's embedded ledger asks
/// for the same; the limit's value does not change a transaction's size).
pub const LIMIT: u32 = 1_400_000;

/// The fixed Unix time the scenario starts at (2026-01-01T00:00:00Z): a run does not depend on
/// the wall clock.
pub const GENESIS_TS: i64 = 1_767_225_600;

/// One cross-program call of the measured instruction, from the runtime's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cpi {
    pub program: Pubkey,
    /// The callee's `Instruction: <name>` log line (the SPL token programs write one).
    pub name: Option<String>,
    /// What the runtime reports the callee consumed (SBF programs; builtins report nothing).
    pub consumed: Option<u64>,
    /// Calls this callee made in turn.
    pub nested: usize,
}

/// An account of the transaction before and after it.
#[derive(Clone, Debug)]
pub struct Change {
    pub address: Pubkey,
    pub before: Option<Account>,
    pub after: Option<Account>,
}

impl Change {
    /// Created by the transaction: its lamports are the rent it was given.
    pub fn created(&self) -> Option<u64> {
        match (&self.before, &self.after) {
            (None, Some(a)) => Some(a.lamports),
            _ => None,
        }
    }

    /// Closed by the transaction: its lamports went back to someone.
    pub fn closed(&self) -> Option<u64> {
        match (&self.before, &self.after) {
            (Some(b), None) => Some(b.lamports),
            _ => None,
        }
    }

    /// Data length before (or after, for an account the transaction created).
    pub fn data_len(&self) -> usize {
        self.before
            .as_ref()
            .or(self.after.as_ref())
            .map_or(0, |a| a.data.len())
    }

    /// Owner before (or after, for an account the transaction created).
    pub fn owner(&self) -> Option<Pubkey> {
        self.before
            .as_ref()
            .or(self.after.as_ref())
            .map(|a| a.owner)
    }
}

/// What one measured transaction did.
#[derive(Clone, Debug)]
pub struct Measured {
    /// The Spice instruction (its account metas, in order).
    pub ix: Instruction,
    /// Bincode size of the signed transaction: the compute-limit instruction the SDK's ledger
    /// adds, then the instruction.
    pub tx_bytes: usize,
    /// `spice_sdk::flows::transaction_size` of the same instruction (must equal `tx_bytes`).
    pub sdk_tx_bytes: usize,
    /// Accounts of the message (programs included).
    pub message_accounts: usize,
    pub signatures: usize,
    /// The runtime's log (invocations, results, the SBF programs' lines), each invocation
    /// once ([`single_log`]).
    pub logs: Vec<String>,
    /// Lines of the log as the runtime returned it, before [`single_log`].
    pub raw_log_lines: usize,
    /// The native program's `msg!` lines.
    pub program_lines: Vec<String>,
    pub cpis: Vec<Cpi>,
    /// Units the whole transaction metered, as the runtime reports them.
    pub metered: u64,
    /// Every account of the message, before and after.
    pub changes: Vec<Change>,
}

/// Units the runtime charges outside the measured program, measured once per chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fixed {
    /// A `SetComputeUnitLimit` instruction.
    pub compute_budget: u64,
    /// One system-program instruction (a builtin: a fixed charge, not logged).
    pub system: u64,
}

pub struct Chain {
    pub rt: Runtime,
    capture: StdoutCapture,
    pub fixed: Fixed,
}

/// A deterministic keypair for `name`: the scenario's actors are the same in every run.
pub fn keypair(name: &str) -> Keypair {
    let digest = solana_sdk::hash::hashv(&[b"spice-costs", name.as_bytes()]);
    Keypair::new_from_array(digest.to_bytes())
}

impl Chain {
    /// A fresh runtime at [`GENESIS_TS`], with `funded` keys holding 1,000 SOL each.
    pub fn new(funded: &[&Keypair]) -> Result<Self> {
        let mut rt = Runtime::new().with_sigverify(false);
        let mut clock = rt.clock();
        clock.unix_timestamp = GENESIS_TS;
        clock.epoch_start_timestamp = GENESIS_TS;
        rt.set_sysvar(&clock);
        for kp in funded {
            rt.set_account(
                kp.pubkey(),
                Account::new(
                    1_000_000_000_000,
                    0,
                    &anchor_lang::solana_program::system_program::ID,
                ),
            )
            .map_err(|e| anyhow!(e))?;
        }
        let mut chain = Self {
            rt,
            capture: StdoutCapture::new()?,
            fixed: Fixed {
                compute_budget: 0,
                system: 0,
            },
        };
        chain.fixed = chain.measure_fixed(funded.first().ok_or(anyhow!("no payer"))?)?;
        Ok(chain)
    }

    fn transaction(
        &self,
        rt: &Runtime,
        ixs: &[Instruction],
        signers: &[&Keypair],
        limit: u32,
    ) -> Result<Transaction> {
        let payer = signers
            .first()
            .ok_or(anyhow!("a transaction needs a payer"))?;
        let mut all = vec![compute_limit_ix(limit)];
        all.extend_from_slice(ixs);
        let mut tx = Transaction::new_with_payer(&all, Some(&payer.pubkey()));
        tx.try_sign(&signers.to_vec(), rt.latest_blockhash())?;
        Ok(tx)
    }

    /// Sends a set-up transaction (not measured).
    pub fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<()> {
        let tx = self.transaction(&self.rt, ixs, signers, LIMIT)?;
        let rt = &mut self.rt;
        let (result, _) = self.capture.run(|| rt.send(tx));
        result.map(|_| ()).map_err(|f| failure(&f, ixs))
    }

    /// Units a transaction of `ixs` meters, on a clone of the runtime.
    fn units_of(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<u64> {
        let mut rt = self.rt.clone();
        let tx = self.transaction(&rt, ixs, signers, LIMIT)?;
        let (result, _) = self.capture.run(|| rt.send(tx));
        Ok(result
            .map_err(|f| failure(&f, ixs))?
            .details
            .compute_units_consumed)
    }

    fn measure_fixed(&mut self, payer: &Keypair) -> Result<Fixed> {
        let compute_budget = self.units_of(&[], &[payer])?;
        let transfer = anchor_lang::solana_program::system_instruction::transfer(
            &payer.pubkey(),
            &keypair("fixed-cost sink").pubkey(),
            1_000_000,
        );
        let with_transfer = self.units_of(&[transfer], &[payer])?;
        Ok(Fixed {
            compute_budget,
            system: with_transfer.saturating_sub(compute_budget),
        })
    }

    /// Sends `ix` for real and records what it did (see [`Measured`]).
    pub fn measure(&mut self, ix: Instruction, signers: &[&Keypair]) -> Result<Measured> {
        let ixs = [ix.clone()];
        let tx = self.transaction(&self.rt, &ixs, signers, LIMIT)?;
        let tx_bytes = usize::try_from(bincode::serialized_size(&tx)?)?;
        let payer = signers[0].pubkey();
        let sdk_tx_bytes = spice_sdk::flows::transaction_size(&ixs, &payer);
        let keys = tx.message.account_keys.clone();
        let before: BTreeMap<Pubkey, Option<Account>> =
            keys.iter().map(|k| (*k, self.rt.account(k))).collect();
        let rt = &mut self.rt;
        let (result, program_lines) = self.capture.run(|| rt.send(tx.clone()));
        let done = result.map_err(|f| failure(&f, &ixs))?;
        let changes = keys
            .iter()
            .map(|k| Change {
                address: *k,
                before: before.get(k).cloned().flatten(),
                after: self.rt.account(k),
            })
            .collect();
        let logs = single_log(&done.logs);
        let cpis = parse_cpis(&logs, &spice::ID);
        // The runtime's record of the calls (the instruction is the second of the
        // transaction, after the compute-limit one) must name the same callees as the log.
        let inner: Vec<Pubkey> = done
            .details
            .inner_instructions
            .get(1)
            .map(|list| {
                list.iter()
                    .filter(|i| i.stack_height == 2)
                    .filter_map(|i| {
                        keys.get(usize::from(i.instruction.program_id_index))
                            .copied()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let logged: Vec<Pubkey> = cpis.iter().map(|c| c.program).collect();
        if inner != logged {
            bail!("the runtime's inner instructions {inner:?} and its log {logged:?} differ");
        }
        Ok(Measured {
            ix,
            tx_bytes,
            sdk_tx_bytes,
            message_accounts: keys.len(),
            signatures: tx.signatures.len(),
            raw_log_lines: done.logs.len(),
            logs,
            program_lines,
            cpis,
            metered: done.details.compute_units_consumed,
            changes,
        })
    }

    /// Moves the clock forward by `seconds` and the slot by one (new slot hashes, new blockhash).
    pub fn warp(&mut self, seconds: i64) {
        self.rt.warp_seconds(u64::try_from(seconds).unwrap_or(0));
        self.rt.warp_slots(1);
    }

    pub fn now(&self) -> i64 {
        self.rt.clock().unix_timestamp
    }

    pub fn account(&self, address: &Pubkey) -> Option<Account> {
        self.rt.account(address)
    }
}

fn failure(f: &Failed, ixs: &[Instruction]) -> anyhow::Error {
    let names: Vec<String> = ixs.iter().map(|ix| ix.program_id.to_string()).collect();
    anyhow!(
        "transaction ({}) failed: {:?}{}\n{}",
        names.join(", "),
        f.err,
        f.panic
            .as_ref()
            .map(|p| format!(" (runtime panic: {p})"))
            .unwrap_or_default(),
        f.logs.join("\n")
    )
}

/// The log with each `invoke` and `success` line once, as an SBF build prints it. The native
/// shim (`spice_ledger::native`) used to write its own around the runtime's; it no longer does,
/// so this only guards the costs against a log that repeats them.
pub fn single_log(logs: &[String]) -> Vec<String> {
    let invoked = |line: &str| -> Option<String> {
        let rest = line.strip_prefix("Program ")?;
        let (program, tail) = rest.split_once(' ')?;
        tail.starts_with("invoke [").then(|| program.to_string())
    };
    let mut out: Vec<String> = Vec::with_capacity(logs.len());
    for (i, line) in logs.iter().enumerate() {
        if let (Some(p), Some(next)) = (invoked(line), logs.get(i + 1).and_then(|l| invoked(l))) {
            if p == next {
                continue;
            }
        }
        if line.ends_with(" success") && out.last() == Some(line) {
            continue;
        }
        out.push(line.clone());
    }
    out
}

/// The calls `caller` made, from the runtime's log: every invocation one level below an
/// invocation of `caller`.
pub fn parse_cpis(logs: &[String], caller: &Pubkey) -> Vec<Cpi> {
    let caller = caller.to_string();
    // (program, depth, index in `out` if it is a CPI of `caller`)
    let mut stack: Vec<(String, usize, Option<usize>)> = Vec::new();
    let mut out: Vec<Cpi> = Vec::new();
    for line in logs {
        let Some(rest) = line.strip_prefix("Program ") else {
            continue;
        };
        if let Some(text) = rest.strip_prefix("log: Instruction: ") {
            if let Some((_, _, Some(i))) = stack.last() {
                out[*i].name.get_or_insert_with(|| text.trim().to_string());
            }
            continue;
        }
        let mut words = rest.split_whitespace();
        let (Some(program), Some(verb)) = (words.next(), words.next()) else {
            continue;
        };
        match verb {
            "invoke" => {
                let depth = words
                    .next()
                    .and_then(|d| d.trim_matches(|c| c == '[' || c == ']').parse().ok())
                    .unwrap_or(stack.len() + 1);
                let parent_is_caller = stack
                    .last()
                    .is_some_and(|(p, d, _)| *p == caller && *d + 1 == depth);
                if let Some((_, _, Some(i))) = stack.last() {
                    out[*i].nested += 1;
                }
                let index = parent_is_caller.then(|| {
                    out.push(Cpi {
                        program: program.parse().unwrap_or_default(),
                        name: None,
                        consumed: None,
                        nested: 0,
                    });
                    out.len() - 1
                });
                stack.push((program.to_string(), depth, index));
            }
            "consumed" => {
                if let Some((p, _, Some(i))) = stack.last() {
                    if p == program {
                        out[*i].consumed = words.next().and_then(|n| n.parse().ok());
                    }
                }
            }
            "success" | "failed:" => {
                stack.pop();
            }
            _ => {}
        }
    }
    out
}

/// Account metas of `ix` as (address, writable, signer), merged per address in order of first
/// appearance.
pub fn unique_metas(ix: &Instruction) -> Vec<AccountMeta> {
    let mut out: Vec<AccountMeta> = Vec::new();
    for m in &ix.accounts {
        match out.iter_mut().find(|o| o.pubkey == m.pubkey) {
            Some(o) => {
                o.is_writable |= m.is_writable;
                o.is_signer |= m.is_signer;
            }
            None => out.push(m.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpis_are_the_calls_one_level_below_the_caller() {
        let caller = Pubkey::new_unique();
        let token = Pubkey::new_unique();
        let system = Pubkey::new_unique();
        let logs: Vec<String> = [
            format!("Program {caller} invoke [1]"),
            format!("Program {system} invoke [2]"),
            format!("Program {system} success"),
            format!("Program {token} invoke [2]"),
            "Program log: Instruction: TransferChecked".to_string(),
            format!("Program {token} consumed 6200 of 1399000 compute units"),
            format!("Program {token} success"),
            format!("Program {caller} success"),
        ]
        .into();
        let cpis = parse_cpis(&logs, &caller);
        assert_eq!(cpis.len(), 2);
        assert_eq!(cpis[0].program, system);
        assert_eq!(cpis[0].consumed, None);
        assert_eq!(cpis[1].name.as_deref(), Some("TransferChecked"));
        assert_eq!(cpis[1].consumed, Some(6200));
    }
}
