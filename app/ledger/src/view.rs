//! A read-only [`Ledger`] over a [`Runtime`]: what the SDK's snapshot and audit read through,
//! without a signer, a file or a capture of standard output.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::signature::{Keypair, Signature};
use spice_sdk::ledger::{DevLedger, Ledger, LedgerError, Result};

use crate::Runtime;

pub(crate) struct View<'a>(pub &'a Runtime);

fn read_only() -> LedgerError {
    LedgerError::Backend("a read-only view of the runtime cannot send".into())
}

impl Ledger for View<'_> {
    fn describe(&self) -> String {
        "runtime (read-only view)".into()
    }

    fn account(&mut self, address: &Pubkey) -> Result<Option<Account>> {
        Ok(self.0.account(address))
    }

    fn accounts_owned_by(
        &mut self,
        owner: &Pubkey,
        mint: Option<&Pubkey>,
    ) -> Result<Vec<(Pubkey, Account)>> {
        Ok(self.0.accounts_owned_by(owner, mint))
    }

    fn send(&mut self, _ixs: &[Instruction], _signers: &[&Keypair]) -> Result<Signature> {
        Err(read_only())
    }

    fn clock(&mut self) -> Result<Clock> {
        Ok(self.0.clock())
    }

    fn minimum_balance(&mut self, len: usize) -> Result<u64> {
        Ok(self.0.minimum_balance(len))
    }

    fn airdrop(&mut self, _to: &Pubkey, _lamports: u64) -> Result<()> {
        Err(read_only())
    }

    fn save(&mut self) -> Result<()> {
        Ok(())
    }

    fn dev(&mut self) -> Option<&mut dyn DevLedger> {
        None
    }
}
