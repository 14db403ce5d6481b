//! Test harness: the Spice program registered natively in the runtime of `spice-ledger`
//! (LiteSVM), next to the SBF builds of SPL Token and Token-2022 that solana-program-test
//! bundled, so every CPI into a token program is real.
//!
//! [`Env`] wraps the runtime (transactions, clock, tokens); [`market::Market`] adds a network,
//! actors and the invariant checks of DESIGN.md, which are the SDK's audit on a snapshot of the
//! runtime ([`Env::assert_audit`], [`market::Market::assert_audit`]).

pub mod attestation;
pub mod audit;
pub mod banks;
pub mod fuzz;
pub mod market;
pub mod rewards;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::solana_program::system_instruction;
use anchor_lang::AccountDeserialize;
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions},
};
use solana_sdk::instruction::InstructionError;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::{Transaction, TransactionError};
use spice_ledger::Runtime;
use spice_sdk::audit::AuditReport;

pub use anchor_spl::token::ID as TOKEN_PROGRAM;
pub use anchor_spl::token_2022::ID as TOKEN_2022_PROGRAM;
pub use banks::{Banks, BanksClientError, Ctx};

/// The tests' runtime: the embedded ledger's, without signature verification. Nothing a test
/// asserts depends on it: the harness signs every transaction with the real keys, and a missing
/// signature is tested as a missing signer flag ([`Env::assert_needs_signature`]), which the
/// program checks itself; verification would only refuse forged signatures (and, with it,
/// repeated ones), which no test sends. In a debug build it would cost most of the run time.
pub fn runtime() -> Runtime {
    Runtime::new().with_sigverify(false)
}

/// Extensions a test mint can carry (Token-2022 only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MintExt {
    TransferFee,
    PermanentDelegate,
    NonTransferable,
    TransferHook,
    DefaultFrozen,
    MintCloseAuthority,
    /// The extension with no close authority set (cannot be closed: accepted).
    MintCloseAuthorityNone,
    /// No extension: a freeze authority on the mint (SPL Token or Token-2022).
    FreezeAuthority,
}

impl MintExt {
    fn ty(self) -> ExtensionType {
        match self {
            MintExt::TransferFee => ExtensionType::TransferFeeConfig,
            MintExt::PermanentDelegate => ExtensionType::PermanentDelegate,
            MintExt::NonTransferable => ExtensionType::NonTransferable,
            MintExt::TransferHook => ExtensionType::TransferHook,
            MintExt::DefaultFrozen => ExtensionType::DefaultAccountState,
            MintExt::MintCloseAuthority | MintExt::MintCloseAuthorityNone => {
                ExtensionType::MintCloseAuthority
            }
            MintExt::FreezeAuthority => ExtensionType::Uninitialized,
        }
    }
}

/// The runtime, a mint authority, and every token account the test created or learned about.
/// (Invariant 5, conservation per mint, is the audit's: over every token account of the
/// runtime, not only these.)
pub struct Env {
    pub ctx: Ctx,
    pub mint_authority: Keypair,
    /// (mint, token account) pairs the test created or registered with [`Env::track`].
    pub tracked: Vec<(Pubkey, Pubkey)>,
    nonce: u32,
}

/// The custom error code of a failed transaction, if it failed with one.
pub fn custom_code(err: &BanksClientError) -> Option<u32> {
    let tx_err = match err {
        BanksClientError::TransactionError(e) => e,
        BanksClientError::SimulationError { err, .. } => err,
        _ => return None,
    };
    match tx_err {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(*code),
        _ => None,
    }
}

/// The instruction error of a failed transaction, if any.
pub fn instruction_error(
    err: &BanksClientError,
) -> Option<solana_sdk::instruction::InstructionError> {
    let tx_err = match err {
        BanksClientError::TransactionError(e) => e,
        BanksClientError::SimulationError { err, .. } => err,
        _ => return None,
    };
    match tx_err {
        TransactionError::InstructionError(_, e) => Some(e.clone()),
        _ => None,
    }
}

/// Asserts that `res` failed with custom error `code` (an Anchor or Spice error).
#[track_caller]
pub fn assert_code(res: Result<(), BanksClientError>, code: u32) {
    match res {
        Ok(()) => panic!("expected error {code}, but the transaction succeeded"),
        Err(e) => assert_eq!(
            custom_code(&e),
            Some(code),
            "expected error {code}, got {e:?}"
        ),
    }
}

/// How `init` of an address that already holds lamports fails on this runtime: Anchor 1.2 then
/// asks the system program for `CreateAccountAllowPrefund`, which the system program of Agave 3.1
/// (LiteSVM 0.12's, as solana-program-test 3.1's) does not know, so it answers
/// `InvalidInstructionData`. This covers a second `init` of a live account and a griefer's
/// pre-funding of an address alike.
pub const INIT_EXISTING: InstructionError = InstructionError::InvalidInstructionData;

/// `TokenError::InsufficientFunds` of SPL Token and Token-2022.
pub const TOKEN_INSUFFICIENT_FUNDS: u32 = 1;

/// Asserts that `res` failed with the runtime error `expected` (not a custom code: an error of the
/// runtime or of a token program's built-in checks, e.g. `IncorrectProgramId`).
#[track_caller]
pub fn assert_ix_err(res: Result<(), BanksClientError>, expected: InstructionError) {
    let err = match res {
        Ok(()) => panic!("expected {expected:?}, but the transaction succeeded"),
        Err(e) => e,
    };
    let got = match &err {
        BanksClientError::TransactionError(TransactionError::InstructionError(_, e))
        | BanksClientError::SimulationError {
            err: TransactionError::InstructionError(_, e),
            ..
        } => Some(e.clone()),
        _ => None,
    };
    assert_eq!(
        got,
        Some(expected.clone()),
        "expected {expected:?}, got {err:?}"
    );
}

/// Code of a Spice error.
pub fn spice_err(e: spice::errors::SpiceError) -> u32 {
    e.into()
}

/// Code of an Anchor framework error.
pub fn anchor_err(e: anchor_lang::error::ErrorCode) -> u32 {
    e.into()
}

/// Replaces every occurrence of `old` in the instruction's accounts (to substitute an account).
pub fn substitute(ix: &mut Instruction, old: &Pubkey, new: &Pubkey) {
    let mut hit = false;
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == *old) {
        meta.pubkey = *new;
        hit = true;
    }
    assert!(hit, "{old} is not an account of the instruction");
}

/// Marks `key` as not signing (a signature the attacker cannot produce).
pub fn unsign(ix: &mut Instruction, key: &Pubkey) {
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == *key) {
        *meta = if meta.is_writable {
            AccountMeta::new(*key, false)
        } else {
            AccountMeta::new_readonly(*key, false)
        };
    }
}

impl Env {
    pub async fn new() -> Self {
        let ctx = Ctx::new(runtime());
        Self {
            ctx,
            mint_authority: Keypair::new(),
            tracked: Vec::new(),
            nonce: 0,
        }
    }

    pub fn payer(&self) -> Pubkey {
        self.ctx.payer.pubkey()
    }

    /// The runtime (accounts, clock, snapshots).
    pub fn runtime(&self) -> &Runtime {
        &self.ctx.banks_client.runtime
    }

    pub fn runtime_mut(&mut self) -> &mut Runtime {
        &mut self.ctx.banks_client.runtime
    }

    /// The SDK's audit of invariants 1–6 on a snapshot of `network`.
    pub fn audit(&self, network: &Pubkey) -> AuditReport {
        self.runtime()
            .audit(network)
            .unwrap_or_else(|e| panic!("snapshot of network {network}: {e}"))
    }

    /// Panics with the audit's report if an invariant of `network` is violated.
    #[track_caller]
    pub fn assert_audit(&self, network: &Pubkey) {
        let report = self.audit(network);
        assert!(
            report.passed(),
            "audit of network {network}: {} violation(s)\n{}",
            report.violations(),
            report.table()
        );
    }

    /// Sends one transaction paid by the test payer. A compute-limit instruction with a
    /// per-call value keeps otherwise identical transactions distinct (no new blockhash needed).
    pub async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(), BanksClientError> {
        // The runtime accepts only its latest blockhash, which a warp replaces.
        self.ctx.last_blockhash = self.runtime().latest_blockhash();
        let tx = self.transaction(ixs, signers);
        self.ctx.banks_client.process_transaction(tx).await
    }

    fn transaction(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Transaction {
        self.nonce += 1;
        let budget = spice_sdk::ledger::compute_limit_ix(1_400_000 - self.nonce % 100_000);
        let mut all = vec![budget];
        all.extend_from_slice(ixs);
        let mut keys: Vec<&Keypair> = vec![&self.ctx.payer];
        keys.extend_from_slice(signers);
        Transaction::new_signed_with_payer(
            &all,
            Some(&self.ctx.payer.pubkey()),
            &keys,
            self.ctx.last_blockhash,
        )
    }

    /// Sends and panics with the error if it fails.
    #[track_caller]
    pub fn ok(res: Result<(), BanksClientError>) {
        if let Err(e) = res {
            panic!("transaction failed: {e:?}");
        }
    }

    /// Asserts that `ix` is refused as `AccountNotSigner` once `signer`'s signature is removed
    /// (only the test payer signs): someone acting in `signer`'s name without its key.
    pub async fn assert_needs_signature(&mut self, mut ix: Instruction, signer: &Pubkey) {
        unsign(&mut ix, signer);
        let res = self.send(&[ix], &[]).await;
        assert_code(
            res,
            anchor_err(anchor_lang::error::ErrorCode::AccountNotSigner),
        );
    }

    /// For each `(what, old, new, code)`: sends `good` with `old` replaced by `new`, signed by
    /// `signers`, and asserts it fails with `code` (`what` names the case in the failure).
    pub async fn assert_substitutions_refused(
        &mut self,
        good: &Instruction,
        signers: &[&Keypair],
        cases: &[(&str, Pubkey, Pubkey, u32)],
    ) {
        for (what, old, new, code) in cases {
            let mut ix = good.clone();
            substitute(&mut ix, old, new);
            match self.send(&[ix], signers).await {
                Ok(()) => panic!("{what}: accepted {new} in place of {old}"),
                Err(e) => assert_eq!(
                    custom_code(&e),
                    Some(*code),
                    "{what}: expected error {code}, got {e:?}"
                ),
            }
        }
    }

    /// A fresh keypair holding `lamports`.
    pub async fn funded(&mut self, lamports: u64) -> Keypair {
        let kp = Keypair::new();
        let ix = system_instruction::transfer(&self.payer(), &kp.pubkey(), lamports);
        Env::ok(self.send(&[ix], &[]).await);
        kp
    }

    pub async fn rent(&mut self, len: usize) -> u64 {
        self.runtime().minimum_balance(len)
    }

    /// A mint of `token_program` with `decimals`, the Env's mint authority, and `exts`.
    pub async fn create_mint(
        &mut self,
        token_program: Pubkey,
        decimals: u8,
        exts: &[MintExt],
    ) -> Pubkey {
        let mint = Keypair::new();
        let types: Vec<ExtensionType> = exts
            .iter()
            .map(|e| e.ty())
            .filter(|t| *t != ExtensionType::Uninitialized)
            .collect();
        let len = if types.is_empty() {
            spl_token_2022::state::Mint::LEN
        } else {
            ExtensionType::try_calculate_account_len::<spl_token_2022::state::Mint>(&types)
                .expect("mint len")
        };
        let lamports = self.rent(len).await;
        let auth = self.mint_authority.pubkey();
        let mut ixs = vec![system_instruction::create_account(
            &self.payer(),
            &mint.pubkey(),
            lamports,
            len as u64,
            &token_program,
        )];
        use spl_token_2022::extension as ext;
        for e in exts.iter().filter(|e| **e != MintExt::FreezeAuthority) {
            let m = &mint.pubkey();
            ixs.push(
                match e {
                    MintExt::TransferFee => {
                        ext::transfer_fee::instruction::initialize_transfer_fee_config(
                            &token_program,
                            m,
                            Some(&auth),
                            Some(&auth),
                            100,
                            1_000,
                        )
                    }
                    MintExt::PermanentDelegate => {
                        spl_token_2022::instruction::initialize_permanent_delegate(
                            &token_program,
                            m,
                            &auth,
                        )
                    }
                    MintExt::NonTransferable => {
                        spl_token_2022::instruction::initialize_non_transferable_mint(
                            &token_program,
                            m,
                        )
                    }
                    MintExt::TransferHook => ext::transfer_hook::instruction::initialize(
                        &token_program,
                        m,
                        Some(auth),
                        Some(Pubkey::new_unique()),
                    ),
                    MintExt::DefaultFrozen => {
                        ext::default_account_state::instruction::initialize_default_account_state(
                            &token_program,
                            m,
                            &spl_token_2022::state::AccountState::Frozen,
                        )
                    }
                    MintExt::MintCloseAuthority => {
                        spl_token_2022::instruction::initialize_mint_close_authority(
                            &token_program,
                            m,
                            Some(&auth),
                        )
                    }
                    MintExt::MintCloseAuthorityNone => {
                        spl_token_2022::instruction::initialize_mint_close_authority(
                            &token_program,
                            m,
                            None,
                        )
                    }
                    MintExt::FreezeAuthority => unreachable!("filtered above"),
                }
                .expect("extension ix"),
            );
        }
        let freeze = (exts.contains(&MintExt::DefaultFrozen)
            || exts.contains(&MintExt::FreezeAuthority))
        .then_some(&auth);
        ixs.push(
            spl_token_2022::instruction::initialize_mint2(
                &token_program,
                &mint.pubkey(),
                &auth,
                freeze,
                decimals,
            )
            .expect("init mint"),
        );
        Env::ok(self.send(&ixs, &[&mint]).await);
        mint.pubkey()
    }

    /// A token account of `mint` owned by `owner`, recorded in [`Env::tracked`].
    pub async fn create_token_account(
        &mut self,
        mint: &Pubkey,
        owner: &Pubkey,
        token_program: &Pubkey,
    ) -> Pubkey {
        let account = Keypair::new();
        let mint_data = self.account_data(mint).await.expect("mint exists");
        let mint_state =
            StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&mint_data).expect("mint");
        let mint_exts = mint_state.get_extension_types().expect("exts");
        let acc_exts = ExtensionType::get_required_init_account_extensions(&mint_exts);
        let len =
            ExtensionType::try_calculate_account_len::<spl_token_2022::state::Account>(&acc_exts)
                .expect("len");
        let lamports = self.rent(len).await;
        let ixs = [
            system_instruction::create_account(
                &self.payer(),
                &account.pubkey(),
                lamports,
                len as u64,
                token_program,
            ),
            spl_token_2022::instruction::initialize_account3(
                token_program,
                &account.pubkey(),
                mint,
                owner,
            )
            .expect("init account"),
        ];
        Env::ok(self.send(&ixs, &[&account]).await);
        self.tracked.push((*mint, account.pubkey()));
        account.pubkey()
    }

    /// Mints `amount` into `to`.
    pub async fn mint_to(&mut self, mint: &Pubkey, to: &Pubkey, amount: u64) {
        let data = self.account_data(mint).await.expect("mint");
        let state = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data).unwrap();
        let program = self.owner(mint).await.expect("mint owner");
        let ix = spl_token_2022::instruction::mint_to_checked(
            &program,
            mint,
            to,
            &self.mint_authority.pubkey(),
            &[],
            amount,
            state.base.decimals,
        )
        .unwrap();
        let auth = self.mint_authority.insecure_clone();
        Env::ok(self.send(&[ix], &[&auth]).await);
    }

    /// Records `account` of `mint` in [`Env::tracked`] (vaults created by the program).
    pub fn track(&mut self, mint: Pubkey, account: Pubkey) {
        if !self.tracked.contains(&(mint, account)) {
            self.tracked.push((mint, account));
        }
    }

    pub async fn account_data(&mut self, address: &Pubkey) -> Option<Vec<u8>> {
        self.runtime().account(address).map(|a| a.data)
    }

    pub async fn owner(&mut self, address: &Pubkey) -> Option<Pubkey> {
        self.runtime().account(address).map(|a| a.owner)
    }

    /// Whether an account exists (has lamports).
    pub async fn exists(&mut self, address: &Pubkey) -> bool {
        self.account_data(address).await.is_some()
    }

    pub async fn lamports(&mut self, address: &Pubkey) -> u64 {
        self.runtime().account(address).map_or(0, |a| a.lamports)
    }

    /// Lamports of several accounts together (e.g. the rent a close will return).
    pub async fn lamports_of(&mut self, addresses: &[Pubkey]) -> u64 {
        let mut sum = 0;
        for a in addresses {
            sum += self.lamports(a).await;
        }
        sum
    }

    /// Decodes an Anchor account.
    pub async fn fetch<T: AccountDeserialize>(&mut self, address: &Pubkey) -> T {
        let data = self
            .account_data(address)
            .await
            .unwrap_or_else(|| panic!("account {address} does not exist"));
        T::try_deserialize(&mut data.as_slice()).expect("decode")
    }

    /// The base state of a token account (mint, owner, amount, state).
    pub async fn token_account(&mut self, address: &Pubkey) -> spl_token_2022::state::Account {
        let data = self
            .account_data(address)
            .await
            .unwrap_or_else(|| panic!("token account {address} does not exist"));
        StateWithExtensions::<spl_token_2022::state::Account>::unpack(&data)
            .expect("token account")
            .base
    }

    /// Moves `amount` of `mint` from `from` (owned by `owner`) to `to` with `transfer_checked`,
    /// outside the program (e.g. a donation straight into a vault).
    pub async fn transfer(
        &mut self,
        mint: &Pubkey,
        from: &Pubkey,
        to: &Pubkey,
        owner: &Keypair,
        amount: u64,
    ) -> Result<(), BanksClientError> {
        let data = self.account_data(mint).await.expect("mint");
        let decimals = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)
            .expect("mint")
            .base
            .decimals;
        let program = self.owner(mint).await.expect("mint owner");
        let ix = spl_token_2022::instruction::transfer_checked(
            &program,
            from,
            mint,
            to,
            &owner.pubkey(),
            &[],
            amount,
            decimals,
        )
        .expect("transfer ix");
        self.send(&[ix], &[owner]).await
    }

    /// Token balance of an account; 0 when it does not exist.
    pub async fn balance(&mut self, address: &Pubkey) -> u64 {
        match self.account_data(address).await {
            Some(data) => {
                StateWithExtensions::<spl_token_2022::state::Account>::unpack(&data)
                    .expect("token account")
                    .base
                    .amount
            }
            None => 0,
        }
    }

    pub async fn supply(&mut self, mint: &Pubkey) -> u64 {
        let data = self.account_data(mint).await.expect("mint");
        StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)
            .expect("mint")
            .base
            .supply
    }

    pub async fn clock(&mut self) -> anchor_lang::prelude::Clock {
        self.runtime().clock()
    }

    pub async fn now(&mut self) -> i64 {
        self.clock().await.unix_timestamp
    }

    /// Moves the clock's unix time forward by `seconds`.
    pub async fn warp_seconds(&mut self, seconds: i64) {
        let mut clock = self.clock().await;
        clock.unix_timestamp += seconds;
        self.ctx.set_sysvar(&clock);
    }

    /// Moves the runtime forward by `slots` slots (new blockhash, SlotHashes entries for the
    /// slot it leaves and the one before the target), keeping unix time.
    pub async fn warp_slots(&mut self, slots: u64) {
        assert!(slots > 0, "warp_slots(0): the slot must move");
        self.runtime_mut().warp_slots(slots);
    }
}
