//! The Spice program as a native (host-compiled) program inside the VM.
//!
//! The runtime calls a builtin with its `InvokeContext`; a program written against
//! `solana-program` wants `(program_id, accounts, data)` and makes its CPIs and sysvar reads
//! through `solana_sysvar::program_stubs`, which on the host do nothing unless someone installs
//! stubs that reach the runtime. solana-program-test does both privately; this module is the same
//! code (Agave 3.1.12, `solana-program-test/src/lib.rs`: `invoke_builtin_function`,
//! `SyscallStubs`), so the program behaves as it did there:
//!
//! - the instruction's accounts are serialized with the SBF ABI and deserialized into
//!   `AccountInfo`s, and what the program wrote is committed back;
//! - a CPI (`invoke_signed`) copies the caller's account changes into the runtime, runs the
//!   callee (the SBF token programs, the system program) and copies the results back;
//! - `Clock::get()` and the other sysvar reads come from the runtime's sysvar cache.
//!
//! What differs from an SBF build: compute units are not metered like SBF, and `msg!` prints to
//! standard output (`solana-msg` on the host does not go through the stubs). `emit!` is a no-op
//! on the host with Anchor 1.2.
//!
//! The stubs are process-wide (one `RwLock` in `solana-sysvar`) and find the current invoke
//! context through a thread-local, so runtimes on several threads do not interfere.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::Once;

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::program_error::ProgramError;
use solana_program_entrypoint::SUCCESS;
use solana_program_runtime::invoke_context::{BuiltinFunctionWithContext, InvokeContext};
use solana_program_runtime::serialization::serialize_parameters;
use solana_program_runtime::solana_sbpf::error::EbpfError;
use solana_program_runtime::solana_sbpf::vm::{get_runtime_environment_key, EbpfVm};
use solana_program_runtime::stable_log;
use solana_sdk::instruction::InstructionError;
use solana_svm_log_collector::ic_msg;
use solana_svm_timings::ExecuteTimings;
use solana_sysvar::{Sysvar, SysvarSerialize};
use solana_transaction_context::IndexOfAccount;

/// Anchor's generated `entry` ties the program id, the accounts and the data to one lifetime,
/// while a builtin gets independent ones. All three outlive the call, so unifying them is sound.
fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    spice::entry(program_id, accounts, data)
}

/// The Spice program as a builtin: what `LiteSVM::add_builtin` takes.
pub fn spice_builtin() -> BuiltinFunctionWithContext {
    install_stubs();
    spice_vm_entry
}

/// The builtin calling convention: the VM hands over its own address (offset by the runtime's
/// environment key); the result goes into `vm.program_result`.
fn spice_vm_entry(
    vm: *mut EbpfVm<InvokeContext<'static, 'static>>,
    _arg0: u64,
    _arg1: u64,
    _arg2: u64,
    _arg3: u64,
    _arg4: u64,
) {
    // SAFETY: the runtime passes the VM's address shifted by the environment key, as for
    // every builtin (solana-program-runtime's `declare_builtin_function!` undoes it the same
    // way).
    let vm = unsafe {
        &mut *((vm as *mut u64).offset(-(get_runtime_environment_key() as isize))
            as *mut EbpfVm<InvokeContext>)
    };
    vm.program_result = invoke_builtin_function(process, vm.context_object_pointer)
        .map_err(EbpfError::SyscallError)
        .into();
}

thread_local! {
    static INVOKE_CONTEXT: RefCell<Option<usize>> = const { RefCell::new(None) };
}

fn set_invoke_context(new: &mut InvokeContext) {
    INVOKE_CONTEXT.with(|invoke_context| {
        invoke_context.replace(Some(new as *mut InvokeContext as usize));
    });
}

fn get_invoke_context<'a, 'b>() -> &'a mut InvokeContext<'b, 'b> {
    let ptr = INVOKE_CONTEXT.with(|invoke_context| match *invoke_context.borrow() {
        Some(val) => val,
        None => panic!("invoke context not set: a syscall stub ran outside a builtin"),
    });
    // SAFETY: set by `invoke_builtin_function` on this thread for the duration of the call
    // that reaches the stubs.
    unsafe { &mut *(ptr as *mut InvokeContext) }
}

type Entrypoint = fn(&Pubkey, &[AccountInfo], &[u8]) -> ProgramResult;

fn invoke_builtin_function(
    builtin_function: Entrypoint,
    invoke_context: &mut InvokeContext,
) -> Result<u64, Box<dyn std::error::Error>> {
    set_invoke_context(invoke_context);

    let transaction_context = &invoke_context.transaction_context;
    let instruction_context = transaction_context.get_current_instruction_context()?;
    let instruction_account_indices = 0..instruction_context.get_number_of_instruction_accounts();

    // A builtin must consume units.
    invoke_context.consume_checked(1)?;

    // The runtime itself logs `invoke [n]`, `success` and `failed: …` around every builtin, as
    // it does around an SBF program: logging them here too would double every line and put the
    // program's own lines after its `success`.
    let deduplicated_indices: HashSet<IndexOfAccount> = instruction_account_indices.collect();

    // Serialize the parameters with the SBF ABI, then deserialize them into AccountInfos.
    let mask_out_rent_epoch_in_vm_serialization = invoke_context
        .get_feature_set()
        .mask_out_rent_epoch_in_vm_serialization;
    let (mut parameter_bytes, _regions, _account_lengths, _instruction_data_offset) =
        serialize_parameters(
            &instruction_context,
            false, // no VM: stricter_abi_and_runtime_constraints cannot apply
            false, // no VM: account_data_direct_mapping cannot apply
            mask_out_rent_epoch_in_vm_serialization,
        )?;
    // SAFETY: the buffer was just serialized in the layout `deserialize` reads.
    let (program_id, account_infos, input) = unsafe {
        solana_program_entrypoint::deserialize(&mut parameter_bytes.as_slice_mut()[0] as *mut u8)
    };

    match std::panic::catch_unwind(AssertUnwindSafe(|| {
        builtin_function(program_id, &account_infos, input)
    })) {
        Ok(program_result) => {
            program_result.map_err(|program_error| {
                let err: Box<dyn std::error::Error> =
                    Box::new(InstructionError::from(u64::from(program_error)));
                err
            })?;
        }
        Err(_panic) => {
            let err: Box<dyn std::error::Error> =
                Box::new(InstructionError::ProgramFailedToComplete);
            Err(err)?;
        }
    };

    let account_info_map: HashMap<_, _> = account_infos.into_iter().map(|a| (a.key, a)).collect();

    // Re-fetch the instruction context: a CPI may have replaced the invoke context's.
    let transaction_context = &invoke_context.transaction_context;
    let instruction_context = transaction_context.get_current_instruction_context()?;

    // Commit the AccountInfo changes back to the runtime's accounts.
    for i in deduplicated_indices.into_iter() {
        let mut borrowed_account = instruction_context.try_borrow_instruction_account(i)?;
        if borrowed_account.is_writable() {
            if let Some(account_info) = account_info_map.get(borrowed_account.get_key()) {
                if borrowed_account.get_lamports() != account_info.lamports() {
                    borrowed_account.set_lamports(account_info.lamports())?;
                }
                if borrowed_account
                    .can_data_be_resized(account_info.data_len())
                    .is_ok()
                {
                    borrowed_account.set_data_from_slice(&account_info.data.borrow())?;
                }
                if borrowed_account.get_owner() != account_info.owner {
                    borrowed_account.set_owner(account_info.owner.as_ref())?;
                }
            }
        }
    }

    Ok(0)
}

fn install_stubs() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        solana_sysvar::program_stubs::set_syscall_stubs(Box::new(SyscallStubs));
    });
}

fn get_sysvar<T: Default + SysvarSerialize + Sysvar + Sized + Clone>(
    sysvar: Result<std::sync::Arc<T>, InstructionError>,
    var_addr: *mut u8,
) -> u64 {
    let invoke_context = get_invoke_context();
    if invoke_context
        .consume_checked(invoke_context.get_execution_cost().sysvar_base_cost + T::size_of() as u64)
        .is_err()
    {
        panic!("Exceeded compute budget");
    }
    match sysvar {
        // SAFETY: the caller passes the address of a `T` (the `Sysvar::get` contract).
        Ok(sysvar_data) => unsafe {
            *(var_addr as *mut T) = T::clone(&sysvar_data);
            SUCCESS
        },
        Err(_) => u64::from(ProgramError::UnsupportedSysvar),
    }
}

struct SyscallStubs;

impl solana_sysvar::program_stubs::SyscallStubs for SyscallStubs {
    fn sol_log(&self, message: &str) {
        let invoke_context = get_invoke_context();
        ic_msg!(invoke_context, "Program log: {}", message);
    }

    /// `sol_log_data` (Anchor's `emit!`): `Program data: <base64>…` in the transaction's log,
    /// as on a validator, where event parsers and explorers read it.
    fn sol_log_data(&self, fields: &[&[u8]]) {
        let invoke_context = get_invoke_context();
        stable_log::program_data(&invoke_context.get_log_collector(), fields);
    }

    fn sol_invoke_signed(
        &self,
        instruction: &Instruction,
        account_infos: &[AccountInfo],
        signers_seeds: &[&[&[u8]]],
    ) -> ProgramResult {
        let invoke_context = get_invoke_context();
        let transaction_context = &invoke_context.transaction_context;
        let instruction_context = transaction_context
            .get_current_instruction_context()
            .unwrap();
        let caller = instruction_context.get_program_key().unwrap();
        // The runtime logs the callee's `invoke [n]` when it processes it below.

        let signers = signers_seeds
            .iter()
            .map(|seeds| Pubkey::create_program_address(seeds, caller).unwrap())
            .collect::<Vec<_>>();

        invoke_context
            .prepare_next_instruction(instruction.clone(), &signers)
            .unwrap();

        // Copy the caller's AccountInfo changes into the runtime's accounts.
        let transaction_context = &invoke_context.transaction_context;
        let instruction_context = transaction_context
            .get_current_instruction_context()
            .unwrap();
        let next_instruction_context = transaction_context.get_next_instruction_context().unwrap();
        let next_instruction_accounts = next_instruction_context.instruction_accounts();
        let mut account_indices = Vec::with_capacity(next_instruction_accounts.len());
        for instruction_account in next_instruction_accounts.iter() {
            let account_key = transaction_context
                .get_key_of_account_at_index(instruction_account.index_in_transaction)
                .unwrap();
            let account_info_index = account_infos
                .iter()
                .position(|account_info| account_info.unsigned_key() == account_key)
                .ok_or(InstructionError::MissingAccount)
                .unwrap();
            let account_info = &account_infos[account_info_index];
            let index_in_caller = instruction_context
                .get_index_of_account_in_instruction(instruction_account.index_in_transaction)
                .unwrap();
            let mut borrowed_account = instruction_context
                .try_borrow_instruction_account(index_in_caller)
                .unwrap();
            if borrowed_account.get_lamports() != account_info.lamports() {
                borrowed_account
                    .set_lamports(account_info.lamports())
                    .unwrap();
            }
            let account_info_data = account_info.try_borrow_data().unwrap();
            // The resize check first: it spares the data comparison when it passes.
            match borrowed_account.can_data_be_resized(account_info_data.len()) {
                Ok(()) => borrowed_account
                    .set_data_from_slice(&account_info_data)
                    .unwrap(),
                Err(err) if borrowed_account.get_data() != *account_info_data => {
                    panic!("{err:?}");
                }
                _ => {}
            }
            // The owner last, so lamports and data could still be changed above.
            if borrowed_account.get_owner() != account_info.owner {
                borrowed_account
                    .set_owner(account_info.owner.as_ref())
                    .unwrap();
            }
            if instruction_account.is_writable() {
                account_indices
                    .push((instruction_account.index_in_transaction, account_info_index));
            }
        }

        let mut compute_units_consumed = 0;
        invoke_context
            .process_instruction(&mut compute_units_consumed, &mut ExecuteTimings::default())
            .map_err(|err| ProgramError::try_from(err).unwrap_or_else(|err| panic!("{}", err)))?;

        // Copy the callee's changes back into the caller's AccountInfos.
        let transaction_context = &invoke_context.transaction_context;
        let instruction_context = transaction_context
            .get_current_instruction_context()
            .unwrap();
        for (index_in_transaction, account_info_index) in account_indices.into_iter() {
            let index_in_caller = instruction_context
                .get_index_of_account_in_instruction(index_in_transaction)
                .unwrap();
            let borrowed_account = instruction_context
                .try_borrow_instruction_account(index_in_caller)
                .unwrap();
            let account_info = &account_infos[account_info_index];
            **account_info.try_borrow_mut_lamports().unwrap() = borrowed_account.get_lamports();
            if account_info.owner != borrowed_account.get_owner() {
                // The system program assigns owners; an AccountInfo's owner is a shared
                // reference into the serialized buffer this call owns (as in program-test).
                #[allow(clippy::transmute_ptr_to_ptr)]
                #[allow(mutable_transmutes)]
                let account_info_mut =
                    unsafe { std::mem::transmute::<&Pubkey, &mut Pubkey>(account_info.owner) };
                *account_info_mut = *borrowed_account.get_owner();
            }

            let new_data = borrowed_account.get_data();
            let new_len = new_data.len();
            if account_info.data_len() != new_len {
                account_info.resize(new_len)?;
            }
            let mut data = account_info.try_borrow_mut_data()?;
            data.clone_from_slice(new_data);
        }

        // The runtime logged the callee's `success` when it returned.
        Ok(())
    }

    fn sol_get_clock_sysvar(&self, var_addr: *mut u8) -> u64 {
        get_sysvar(
            get_invoke_context().get_sysvar_cache().get_clock(),
            var_addr,
        )
    }

    fn sol_get_epoch_schedule_sysvar(&self, var_addr: *mut u8) -> u64 {
        get_sysvar(
            get_invoke_context().get_sysvar_cache().get_epoch_schedule(),
            var_addr,
        )
    }

    fn sol_get_epoch_rewards_sysvar(&self, var_addr: *mut u8) -> u64 {
        get_sysvar(
            get_invoke_context().get_sysvar_cache().get_epoch_rewards(),
            var_addr,
        )
    }

    #[allow(deprecated)]
    fn sol_get_fees_sysvar(&self, var_addr: *mut u8) -> u64 {
        get_sysvar(get_invoke_context().get_sysvar_cache().get_fees(), var_addr)
    }

    fn sol_get_rent_sysvar(&self, var_addr: *mut u8) -> u64 {
        get_sysvar(get_invoke_context().get_sysvar_cache().get_rent(), var_addr)
    }

    fn sol_get_last_restart_slot(&self, var_addr: *mut u8) -> u64 {
        get_sysvar(
            get_invoke_context()
                .get_sysvar_cache()
                .get_last_restart_slot(),
            var_addr,
        )
    }

    fn sol_get_return_data(&self) -> Option<(Pubkey, Vec<u8>)> {
        let (program_id, data) = get_invoke_context().transaction_context.get_return_data();
        Some((*program_id, data.to_vec()))
    }

    fn sol_set_return_data(&self, data: &[u8]) {
        let invoke_context = get_invoke_context();
        let transaction_context = &mut invoke_context.transaction_context;
        let instruction_context = transaction_context
            .get_current_instruction_context()
            .unwrap();
        let caller = *instruction_context.get_program_key().unwrap();
        transaction_context
            .set_return_data(caller, data.to_vec())
            .unwrap();
    }

    fn sol_get_stack_height(&self) -> u64 {
        let invoke_context = get_invoke_context();
        invoke_context.get_stack_height().try_into().unwrap()
    }
}
