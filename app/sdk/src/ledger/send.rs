//! Exactly-once sends to a cluster. A transaction is signed once and that same transaction
//! (the same signature) is sent again and again until the cluster says it landed, or until its
//! blockhash has expired — only then is it certain that it never will, and only then is a new
//! one signed. A send whose fate is unknown (a timeout, a dropped connection, a confirmation
//! that never came) is never followed by a second, differently signed transaction that could
//! land beside it: `stake`, `fund` or `withdraw-treasury` can never run twice.
//!
//! Before signing, the transaction is simulated: a refusal is reported with the program's log
//! and nothing is sent, and the compute-unit limit is set from the units the simulation
//! consumed (plus a margin), with an optional priority fee (micro-lamports per unit).
//!
//! The algorithm runs on a [`Cluster`], a small interface the RPC backend implements over
//! JSON-RPC (`getLatestBlockhash`, `getBlockHeight`, `sendTransaction`,
//! `getSignatureStatuses`, `simulateTransaction`) and tests implement with a fake that drops
//! confirmations and times out.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::{Transaction, TransactionError};

use super::{LedgerError, Result};

/// The compute budget program.
pub const COMPUTE_BUDGET: Pubkey =
    Pubkey::from_str_const("ComputeBudget111111111111111111111111111111");

/// The most compute units a transaction may ask for.
pub const MAX_COMPUTE_UNITS: u32 = 1_400_000;

/// `ComputeBudgetInstruction::SetComputeUnitPrice` (variant 3, u64 little-endian):
/// micro-lamports per compute unit.
pub fn compute_price_ix(micro_lamports: u64) -> Instruction {
    let mut data = vec![3u8];
    data.extend_from_slice(&micro_lamports.to_le_bytes());
    Instruction {
        program_id: COMPUTE_BUDGET,
        accounts: vec![],
        data,
    }
}

/// The compute-unit limit for a transaction that consumed `units` in simulation: 20 % and
/// 5 000 units more (state may change a little between simulation and execution), at most
/// the maximum.
pub fn limit_for(units: u64) -> u32 {
    let padded = units.saturating_mul(6) / 5 + 5_000;
    u32::try_from(padded)
        .unwrap_or(MAX_COMPUTE_UNITS)
        .min(MAX_COMPUTE_UNITS)
}

/// What happened to one `sendTransaction`.
#[derive(Debug)]
pub enum Sent {
    /// The node took it (it may or may not land).
    Accepted,
    /// The node refused it before forwarding it (a preflight failure, an unhealthy node): it
    /// was not sent.
    Refused(LedgerError),
    /// No answer (a timeout, a dropped connection): it may have been forwarded.
    Unknown(String),
}

/// A transaction simulated: its error, log, consumed units and the accounts asked for after it.
#[derive(Clone, Debug, Default)]
pub struct Simulation {
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub units: u64,
    /// The accounts asked for, as they would be after the transaction (`None`: not existing).
    pub accounts: Vec<(Pubkey, Option<Account>)>,
}

/// What a cluster answers, as exactly-once sending needs it.
pub trait Cluster {
    /// A blockhash to sign with, and the last block height at which it is valid.
    fn latest_blockhash(&mut self) -> Result<(Hash, u64)>;
    /// The current block height.
    fn block_height(&mut self) -> Result<u64>;
    /// Sends `tx` once; `preflight`: let the node simulate it first.
    fn send(&mut self, tx: &Transaction, preflight: bool) -> Sent;
    /// The signature's status, searching the history: `None` when the cluster has not seen it
    /// (at confirmed commitment), else whether it succeeded.
    fn status(
        &mut self,
        signature: &Signature,
    ) -> Result<Option<std::result::Result<(), TransactionError>>>;
    /// Simulates `tx` (signatures not checked, blockhash replaced), returning `watch` after it.
    fn simulate(&mut self, tx: &Transaction, watch: &[Pubkey]) -> Result<Simulation>;
    /// Waits (a fake advances its clock instead).
    fn sleep(&mut self, duration: Duration);
}

/// How patiently to send.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Between two status checks.
    pub poll: Duration,
    /// Status checks between two sends of the same transaction.
    pub polls_per_send: u32,
    /// Refusals (the node refused, nothing was sent) before giving up.
    pub max_refusals: u32,
    /// How long to keep re-sending a transaction that may have been sent while its blockhash
    /// has not expired; after that the send ends as unknown (never re-signed).
    pub max_wait: Duration,
    /// New signatures after a blockhash expired without the transaction landing.
    pub max_resigns: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            poll: Duration::from_millis(400),
            polls_per_send: 5,
            max_refusals: 3,
            max_wait: Duration::from_secs(120),
            max_resigns: 2,
        }
    }
}

/// Options of one send.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Priority fee: micro-lamports per compute unit.
    pub compute_unit_price: Option<u64>,
}

/// The instructions with the compute budget: a unit limit (and price) in front.
fn with_budget(ixs: &[Instruction], limit: u32, price: Option<u64>) -> Vec<Instruction> {
    let mut all = vec![super::compute_limit_ix(limit)];
    all.extend(price.map(compute_price_ix));
    all.extend(
        ixs.iter()
            .filter(|ix| ix.program_id != COMPUTE_BUDGET)
            .cloned(),
    );
    all
}

/// Simulates `ixs` as the transaction `send` would sign (fee payer `signers[0]`).
pub fn simulate(
    cluster: &mut dyn Cluster,
    ixs: &[Instruction],
    payer: &Pubkey,
    watch: &[Pubkey],
) -> Result<Simulation> {
    let all = with_budget(ixs, MAX_COMPUTE_UNITS, None);
    let tx = Transaction::new_with_payer(&all, Some(payer));
    cluster.simulate(&tx, watch)
}

/// Sends `ixs` exactly once (see the module's documentation); returns the signature of the
/// transaction that landed.
pub fn send_once(
    cluster: &mut dyn Cluster,
    ixs: &[Instruction],
    signers: &[&Keypair],
    options: Options,
    policy: Policy,
) -> Result<Signature> {
    let payer = signers
        .first()
        .ok_or_else(|| LedgerError::Backend("a transaction needs a fee payer".into()))?
        .pubkey();
    // Simulate first: a refusal costs nothing and shows the program's log; the units set the
    // limit.
    let sim = simulate(cluster, ixs, &payer, &[])?;
    if let Some(err) = sim.err {
        return Err(LedgerError::Transaction {
            err,
            logs: sim.logs,
        });
    }
    let all = with_budget(ixs, limit_for(sim.units), options.compute_unit_price);
    let mut last_unknown = String::new();
    for round in 0..=policy.max_resigns {
        let (hash, last_valid) = cluster.latest_blockhash()?;
        let mut tx = Transaction::new_with_payer(&all, Some(&payer));
        tx.try_sign(&signers.to_vec(), hash)
            .map_err(|e| LedgerError::Backend(format!("signing: {e}")))?;
        let signature = tx.signatures[0];
        let mut maybe_sent = false;
        let mut refusals = 0u32;
        let mut waited = Duration::ZERO;
        loop {
            // Preflight only while nothing may have been sent: once it may have landed, a
            // simulation of the same transaction would fail for the wrong reason.
            match cluster.send(&tx, !maybe_sent) {
                Sent::Accepted => maybe_sent = true,
                Sent::Refused(e @ LedgerError::Transaction { .. }) if !maybe_sent => return Err(e),
                Sent::Refused(e) => {
                    refusals += 1;
                    if !maybe_sent && refusals >= policy.max_refusals {
                        let why = match e {
                            LedgerError::Backend(msg) => msg,
                            other => other.to_string(),
                        };
                        return Err(LedgerError::Backend(format!(
                            "{why} ({refusals} attempts; the transaction was never sent: running the command again is safe)"
                        )));
                    }
                }
                Sent::Unknown(msg) => {
                    maybe_sent = true;
                    last_unknown = msg;
                }
            }
            for _ in 0..policy.polls_per_send {
                match cluster.status(&signature) {
                    Ok(Some(Ok(()))) => return Ok(signature),
                    Ok(Some(Err(err))) => {
                        return Err(LedgerError::Transaction { err, logs: vec![] })
                    }
                    Ok(None) => {}
                    Err(e) => last_unknown = e.to_string(),
                }
                cluster.sleep(policy.poll);
                waited += policy.poll;
            }
            if !maybe_sent {
                continue;
            }
            // It may have been sent: only an expired blockhash proves it never lands.
            let expired = matches!(cluster.block_height(), Ok(h) if h > last_valid);
            if expired {
                match cluster.status(&signature)? {
                    Some(Ok(())) => return Ok(signature),
                    Some(Err(err)) => return Err(LedgerError::Transaction { err, logs: vec![] }),
                    None => break,
                }
            }
            if waited >= policy.max_wait {
                return Err(LedgerError::Backend(format!(
                    "transaction {signature} was sent but not confirmed in {} s ({last_unknown}); it may still land until block height {last_valid}: check `solana confirm {signature}` before running the command again",
                    waited.as_secs()
                )));
            }
        }
        // The blockhash expired and the transaction did not land: a new signature is safe.
        let _ = round;
    }
    Err(LedgerError::Backend(format!(
        "the transaction expired {} times without landing (nothing was executed; {last_unknown}): running the command again is safe",
        policy.max_resigns + 1
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A cluster in memory: a transaction executes when a send reaches it (once per
    /// signature, and only while its blockhash is valid: 150 blocks); answers, sends and
    /// confirmations can be lost; the block height advances one block per 400 ms slept.
    #[derive(Default)]
    struct Fake {
        /// Each landed signature and its result.
        landed: HashMap<Signature, std::result::Result<(), TransactionError>>,
        /// Executions of each transaction body (what must never exceed one).
        executions: HashMap<Vec<u8>, u32>,
        height: u64,
        /// Each blockhash handed out and the height it was handed out at.
        issued: HashMap<Hash, u64>,
        blockhashes: u64,
        /// Sends refused before forwarding (an unhealthy node).
        refuse: u32,
        /// Sends that execute but whose answer is lost (a timeout).
        lose_answers: u32,
        /// Sends lost entirely (never forwarded, no answer).
        drop_sends: u32,
        /// Status queries answer "not seen" until the height passes this.
        hide_status_until: u64,
        /// The program fails with this error.
        fail: Option<TransactionError>,
        sends: u32,
    }

    impl Fake {
        fn execute(&mut self, tx: &Transaction) {
            if self.landed.contains_key(&tx.signatures[0]) {
                return; // a signature is processed once
            }
            let result = match &self.fail {
                Some(e) => Err(e.clone()),
                None => Ok(()),
            };
            if result.is_ok() {
                // The body of the transaction without its compute budget and blockhash: the
                // effect that must happen once, whatever signature carries it.
                let body: Vec<u8> = tx
                    .message
                    .instructions
                    .iter()
                    .filter(|ix| {
                        tx.message.account_keys[usize::from(ix.program_id_index)] != COMPUTE_BUDGET
                    })
                    .flat_map(|ix| ix.data.clone())
                    .collect();
                *self.executions.entry(body).or_default() += 1;
            }
            self.landed.insert(tx.signatures[0], result);
        }

        fn executions(&self) -> u32 {
            self.executions.values().copied().max().unwrap_or(0)
        }
    }

    impl Cluster for Fake {
        fn latest_blockhash(&mut self) -> Result<(Hash, u64)> {
            self.blockhashes += 1;
            let hash = Hash::new_from_array([self.blockhashes as u8; 32]);
            self.issued.insert(hash, self.height);
            Ok((hash, self.height + 150))
        }
        fn block_height(&mut self) -> Result<u64> {
            Ok(self.height)
        }
        fn send(&mut self, tx: &Transaction, preflight: bool) -> Sent {
            self.sends += 1;
            if self.refuse > 0 {
                self.refuse -= 1;
                return Sent::Refused(LedgerError::Backend("node is unhealthy".into()));
            }
            if preflight {
                if let Some(err) = &self.fail {
                    return Sent::Refused(LedgerError::Transaction {
                        err: err.clone(),
                        logs: vec!["Program log: refused".into()],
                    });
                }
            }
            if self.drop_sends > 0 {
                self.drop_sends -= 1;
                return Sent::Unknown("timed out".into());
            }
            let valid = self
                .issued
                .get(&tx.message.recent_blockhash)
                .is_some_and(|at| self.height <= at + 150);
            if valid {
                self.execute(tx);
            }
            if self.lose_answers > 0 {
                self.lose_answers -= 1;
                return Sent::Unknown("timed out".into());
            }
            Sent::Accepted
        }
        fn status(
            &mut self,
            signature: &Signature,
        ) -> Result<Option<std::result::Result<(), TransactionError>>> {
            if self.height <= self.hide_status_until {
                return Ok(None);
            }
            Ok(self.landed.get(signature).cloned())
        }
        fn simulate(&mut self, _tx: &Transaction, _watch: &[Pubkey]) -> Result<Simulation> {
            Ok(Simulation {
                err: self.fail.clone(),
                logs: vec!["Program log: simulated".into()],
                units: 10_000,
                accounts: vec![],
            })
        }
        fn sleep(&mut self, duration: Duration) {
            self.height += (duration.as_millis() / 400).max(1) as u64;
        }
    }

    fn ix() -> Instruction {
        Instruction {
            program_id: Pubkey::new_unique(),
            accounts: vec![],
            data: vec![7, 7, 7],
        }
    }

    fn quick() -> Policy {
        Policy {
            max_wait: Duration::from_secs(3_600),
            ..Policy::default()
        }
    }

    #[test]
    fn a_lost_answer_is_not_a_second_execution() {
        let mut c = Fake {
            lose_answers: 5,
            hide_status_until: 12,
            ..Default::default()
        };
        let payer = Keypair::new();
        let sig =
            send_once(&mut c, &[ix()], &[&payer], Options::default(), quick()).expect("lands once");
        assert_eq!(c.executions(), 1, "executed exactly once");
        assert_eq!(c.blockhashes, 1, "never re-signed");
        assert!(c.sends > 1, "the same transaction was sent again");
        assert!(c.landed.contains_key(&sig));
    }

    #[test]
    fn a_dropped_send_is_resent_with_the_same_signature_and_only_resigned_after_expiry() {
        // Every send of the first transaction is lost until its blockhash expires.
        let mut c = Fake {
            drop_sends: 1_000,
            ..Default::default()
        };
        let payer = Keypair::new();
        let policy = Policy {
            max_resigns: 0,
            ..quick()
        };
        let e = send_once(&mut c, &[ix()], &[&payer], Options::default(), policy)
            .expect_err("never lands");
        assert!(e.to_string().contains("nothing was executed"), "{e}");
        assert_eq!(c.executions(), 0);
        assert_eq!(c.blockhashes, 1, "one signature until it expired");
        // Then the network heals: the next round lands, once.
        let mut c = Fake {
            drop_sends: 40,
            ..Default::default()
        };
        send_once(&mut c, &[ix()], &[&payer], Options::default(), quick()).expect("lands");
        assert_eq!(c.executions(), 1);
        assert_eq!(
            c.blockhashes, 2,
            "re-signed only after the first blockhash expired"
        );
    }

    #[test]
    fn a_send_that_landed_while_its_answers_were_lost_is_found_after_expiry() {
        // The transaction lands on the first send, but every answer and every status is lost
        // until its blockhash has expired: the check after expiry finds it, nothing re-signed.
        let mut c = Fake {
            lose_answers: 1_000,
            hide_status_until: 150,
            ..Default::default()
        };
        let payer = Keypair::new();
        let r = send_once(&mut c, &[ix()], &[&payer], Options::default(), quick());
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(c.executions(), 1, "landed once");
        assert_eq!(c.blockhashes, 1, "never re-signed");
    }

    #[test]
    fn an_unconfirmed_send_ends_as_unknown_and_is_never_resigned() {
        let mut c = Fake {
            lose_answers: 1_000,
            hide_status_until: u64::MAX,
            ..Default::default()
        };
        let payer = Keypair::new();
        let policy = Policy {
            max_wait: Duration::from_secs(10),
            ..Policy::default()
        };
        // The blockhash does not expire within max_wait: the answer is "unknown", with the
        // signature to check, and no second transaction.
        let e =
            send_once(&mut c, &[ix()], &[&payer], Options::default(), policy).expect_err("unknown");
        assert!(e.to_string().contains("solana confirm"), "{e}");
        assert_eq!(c.blockhashes, 1);
        assert_eq!(c.executions(), 1);
    }

    #[test]
    fn the_fake_catches_a_sender_that_resigns_after_a_lost_answer() {
        // What the RPC backend did before: on a transport failure, sign again with a fresh
        // blockhash and send. The fake counts the second execution.
        let mut c = Fake {
            lose_answers: 1,
            ..Default::default()
        };
        let payer = Keypair::new();
        for _ in 0..2 {
            let (hash, _) = c.latest_blockhash().expect("hash");
            let mut tx = Transaction::new_with_payer(&[ix()], Some(&payer.pubkey()));
            tx.sign(&[&payer], hash);
            if matches!(c.send(&tx, true), Sent::Accepted) {
                break;
            }
        }
        assert_eq!(c.executions(), 2, "executed twice");
    }

    #[test]
    fn refusals_and_program_errors_send_nothing() {
        let payer = Keypair::new();
        let mut c = Fake {
            refuse: 2,
            ..Default::default()
        };
        send_once(&mut c, &[ix()], &[&payer], Options::default(), quick()).expect("third try");
        assert_eq!(c.executions(), 1);
        let mut c = Fake {
            refuse: 3,
            ..Default::default()
        };
        let e = send_once(&mut c, &[ix()], &[&payer], Options::default(), quick())
            .expect_err("unhealthy");
        assert!(e.to_string().contains("never sent"), "{e}");
        assert_eq!(c.executions(), 0);
        let mut c = Fake {
            fail: Some(TransactionError::AccountNotFound),
            ..Default::default()
        };
        let e = send_once(&mut c, &[ix()], &[&payer], Options::default(), quick())
            .expect_err("refused by the simulation");
        assert!(matches!(e, LedgerError::Transaction { ref logs, .. } if !logs.is_empty()));
        assert_eq!(c.sends, 0, "nothing sent after a failed simulation");
    }

    #[test]
    fn the_limit_comes_from_the_simulation_and_the_price_is_added() {
        assert_eq!(limit_for(10_000), 17_000);
        assert_eq!(limit_for(u64::MAX), MAX_COMPUTE_UNITS);
        let all = with_budget(&[ix()], 17_000, Some(5));
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].data[0], 2);
        assert_eq!(
            all[1].data,
            [vec![3u8], 5u64.to_le_bytes().to_vec()].concat()
        );
        assert_eq!(all[2].data, vec![7, 7, 7]);
    }
}
