//! The ledger as the simulator uses it: transactions that must succeed (named in the error
//! when they do not), expected refusals told apart by their code, the clock moved by the dev
//! controls, and instructions packed into as few transactions as fit — the embedded ledger
//! spends most of its time per transaction, not per instruction, so packing is most of the
//! simulator's speed.

use std::ops::Range;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{AccountDeserialize, Discriminator};
use anyhow::{Context as _, Result};
use solana_sdk::signature::{Keypair, Signer};
use spice_ledger::Embedded;
use spice_sdk::ledger::{DevLedger, Ledger, LedgerError};
use spice_sdk::{accounts, flows};

/// Instructions per packed transaction at most, for compute headroom.
const MAX_IXS_PER_TX: usize = 12;

/// The ledger, and a count of the transactions sent to it (for the throughput figures).
pub struct Chain {
    pub ledger: Embedded,
    pub transactions: u64,
}

impl Chain {
    pub fn new(ledger: Embedded) -> Self {
        Self {
            ledger,
            transactions: 0,
        }
    }

    /// Sends one transaction; `signers[0]` pays the fee. Failures come back as the ledger's
    /// error, so callers can tell an expected refusal (by its code) from a broken run.
    pub fn try_send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> std::result::Result<(), LedgerError> {
        self.transactions = self.transactions.saturating_add(1);
        self.ledger.send(ixs, signers).map(|_| ())
    }

    /// Sends one transaction that must succeed; `what` names it in the error.
    pub fn send(
        &mut self,
        what: impl FnOnce() -> String,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<()> {
        self.try_send(ixs, signers).with_context(what)
    }

    /// Sends `ixs` in order, in as few transactions as fit ([`pack`]), as a client, provider
    /// or crank with many instructions to send would.
    pub fn send_packed(
        &mut self,
        what: impl Fn() -> String,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<()> {
        let payer = signers
            .first()
            .context("a transaction needs a fee payer")?
            .pubkey();
        for range in pack(ixs, &payer) {
            let batch = ixs.get(range).context("packing instructions")?;
            self.send(&what, batch, signers)?;
        }
        Ok(())
    }

    /// Unix time the next transaction sees.
    pub fn now(&mut self) -> Result<i64> {
        Ok(self
            .ledger
            .clock()
            .context("reading the clock")?
            .unix_timestamp)
    }

    /// Moves the clock forward by `seconds` (no-op for zero or less).
    pub fn warp_seconds(&mut self, seconds: i64) -> Result<()> {
        if seconds <= 0 {
            return Ok(());
        }
        self.ledger
            .warp_seconds(seconds)
            .with_context(|| format!("warping {seconds} s"))
    }

    /// Moves the clock forward to `target` if it is later.
    pub fn warp_to(&mut self, target: i64) -> Result<()> {
        let now = self.now()?;
        self.warp_seconds(target.saturating_sub(now))
    }

    /// Moves the slot forward (new slot hashes for audit draws), keeping unix time.
    pub fn warp_slots(&mut self, slots: u64) -> Result<()> {
        self.ledger
            .warp_slots(slots)
            .with_context(|| format!("warping {slots} slots"))
    }

    /// A token account's balance (0 if it does not exist).
    pub fn balance(&mut self, address: &Pubkey) -> Result<u64> {
        accounts::token_balance(&mut self.ledger, address)
            .with_context(|| format!("reading the balance of {address}"))
    }

    /// A Spice account, `None` if it does not exist.
    pub fn fetch<T: AccountDeserialize + Discriminator>(
        &mut self,
        address: &Pubkey,
    ) -> Result<Option<T>> {
        accounts::fetch(&mut self.ledger, address).with_context(|| format!("reading {address}"))
    }

    /// A Spice account that must exist.
    pub fn fetch_required<T: AccountDeserialize + Discriminator>(
        &mut self,
        address: &Pubkey,
    ) -> Result<T> {
        accounts::fetch_required(&mut self.ledger, address)
            .with_context(|| format!("reading {address}"))
    }
}

/// Splits `ixs` into consecutive groups that each fit one transaction, at most
/// [`MAX_IXS_PER_TX`] instructions each (an instruction too big alone gets its own, and the
/// ledger's refusal).
pub fn pack(ixs: &[Instruction], payer: &Pubkey) -> Vec<Range<usize>> {
    flows::pack(ixs, payer, MAX_IXS_PER_TX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::solana_program::instruction::AccountMeta;
    use solana_sdk::message::Message;
    use spice_sdk::flows::{transaction_size, MAX_TX_SIZE as PACKET_DATA_SIZE};
    use spice_sdk::ledger::compute_limit_ix;

    fn ix(accounts: usize, data: usize) -> Instruction {
        Instruction {
            program_id: spice::ID,
            accounts: (0..accounts)
                .map(|_| AccountMeta::new(Pubkey::new_unique(), false))
                .collect(),
            data: vec![0; data],
        }
    }

    #[test]
    fn size_matches_the_wire_format() {
        let payer = Keypair::new();
        let ixs = vec![ix(3, 40), ix(2, 10)];
        let mut all = vec![compute_limit_ix(0)];
        all.extend_from_slice(&ixs);
        let message = Message::new(&all, Some(&payer.pubkey()));
        let tx = solana_sdk::transaction::Transaction::new_unsigned(message);
        let wire = bincode_len(&tx);
        assert_eq!(transaction_size(&ixs, &payer.pubkey()), wire);
    }

    /// The serialized length, from the message's own serializer plus the signatures.
    fn bincode_len(tx: &solana_sdk::transaction::Transaction) -> usize {
        let signatures = tx.message.header.num_required_signatures as usize;
        1 + 64 * signatures + tx.message.serialize().len()
    }

    #[test]
    fn packs_within_the_limit_in_order() {
        let payer = Keypair::new();
        let ixs: Vec<Instruction> = (0..40).map(|_| ix(2, 60)).collect();
        let groups = pack(&ixs, &payer.pubkey());
        assert!(groups.len() > 1);
        let mut next = 0;
        for g in &groups {
            assert_eq!(g.start, next);
            next = g.end;
            assert!(transaction_size(&ixs[g.clone()], &payer.pubkey()) <= PACKET_DATA_SIZE);
            assert!(g.len() <= MAX_IXS_PER_TX);
        }
        assert_eq!(next, ixs.len());
    }
}
