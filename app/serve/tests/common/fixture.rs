//! A small world on a served ledger: a funded payer, a mint (SPL Token, 6 decimals) whose
//! authority it is, its associated account holding tokens, and another wallet's empty one —
//! made through the SDK's RPC backend, the `spice` CLI's `--url` path.

use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use spice_sdk::ledger::rpc::Rpc;
use spice_sdk::ledger::Ledger;
use spice_sdk::tokens;

use super::Served;

pub const DECIMALS: u8 = 6;
pub const MINTED: u64 = 1_000_000;

pub struct Fixture {
    pub payer: Keypair,
    pub other: Keypair,
    pub mint: Pubkey,
    pub payer_tokens: Pubkey,
    pub other_tokens: Pubkey,
    pub token_program: Pubkey,
}

impl Fixture {
    pub fn new(served: &Served) -> Self {
        let mut ledger = Rpc::new(&served.url);
        let payer = served.funded(10);
        let other = served.funded(1);
        let mint = Keypair::new();
        let token_program = anchor_spl::token::ID;
        let rent = ledger.minimum_balance(82).expect("rent");
        let mut ixs = tokens::create_mint(
            &payer.pubkey(),
            &mint.pubkey(),
            &payer.pubkey(),
            DECIMALS,
            &token_program,
            rent,
        )
        .expect("create mint");
        ledger.send(&ixs, &[&payer, &mint]).expect("mint created");
        let payer_tokens = tokens::associated(&payer.pubkey(), &mint.pubkey(), &token_program);
        let other_tokens = tokens::associated(&other.pubkey(), &mint.pubkey(), &token_program);
        ixs = vec![
            tokens::create_associated(
                &payer.pubkey(),
                &payer.pubkey(),
                &mint.pubkey(),
                &token_program,
            ),
            tokens::create_associated(
                &payer.pubkey(),
                &other.pubkey(),
                &mint.pubkey(),
                &token_program,
            ),
            tokens::mint_to(
                &token_program,
                &mint.pubkey(),
                &payer_tokens,
                &payer.pubkey(),
                MINTED,
                DECIMALS,
            )
            .expect("mint_to"),
        ];
        ledger.send(&ixs, &[&payer]).expect("tokens minted");
        Self {
            payer,
            other,
            mint: mint.pubkey(),
            payer_tokens,
            other_tokens,
            token_program,
        }
    }

    /// A transfer of `amount` tokens from the payer to the other wallet.
    pub fn transfer(&self, amount: u64) -> anchor_lang::solana_program::instruction::Instruction {
        tokens::transfer(
            &self.token_program,
            &self.mint,
            &self.payer_tokens,
            &self.other_tokens,
            &self.payer.pubkey(),
            amount,
            DECIMALS,
        )
        .expect("transfer")
    }
}
