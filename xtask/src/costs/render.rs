//! The generated blocks of docs/COSTS.md.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anchor_lang_idl::types::{Idl, IdlInstructionAccountItem};
use anchor_syn::AccountsStruct;
use anyhow::{anyhow, bail, Result};

use super::chain::Fixed;
use super::chain::{unique_metas, LIMIT};
use super::model::{self, allowance, Estimate, Prices};
use super::scenario::{self, NetKind, Step};
use super::source::{self, FieldInfo, HANDLER_SITES};

/// The blocks, in the order a new file lists them.
pub const BLOCKS: &[&str] = &[
    "summary",
    "instructions",
    "estimates",
    "claims",
    "locks",
    "one-mint",
    "treasury",
    "model",
];

/// The compute-unit goal of every instruction.
pub const CU_GOAL: u64 = 60_000;
/// The largest serialized transaction a cluster accepts.
pub const PACKET: usize = spice_sdk::flows::MAX_TX_SIZE;
/// Bytes of log the runtime keeps per transaction (`LogCollector`'s limit).
pub const LOG_LIMIT: usize = 10_000;

/// Who else writes an account an instruction writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Every transaction of the network that writes it: a network-wide write lock.
    Network,
    /// Network-wide, one account per 16 epochs (a book page).
    NetworkPage,
    /// One of `shard_count`, by the job's address.
    Shard,
    Job,
    Provider,
    Client,
    Attestor,
    /// The transaction's own signer or a destination it chose.
    Sender,
    Authority,
}

impl Scope {
    pub fn describe(self) -> &'static str {
        match self {
            Scope::Network => "network-wide",
            Scope::NetworkPage => "network-wide (one page per 16 epochs)",
            Scope::Shard => "1-of-N shard",
            Scope::Job => "per job",
            Scope::Provider => "per provider",
            Scope::Client => "per client",
            Scope::Attestor => "per attestor",
            Scope::Sender => "per sender",
            Scope::Authority => "authority",
        }
    }

    pub fn shared(self) -> bool {
        matches!(self, Scope::Network | Scope::NetworkPage | Scope::Shard)
    }
}

/// The scope of an account by its name in the instruction (the last part of its path).
pub fn scope(name: &str) -> Result<Scope> {
    let last = name.rsplit('.').next().unwrap_or(name);
    let last = last.split('[').next().unwrap_or(last);
    Ok(match last {
        "network" | "treasury" | "stake_treasury" | "payment_treasury" | "payouts"
        | "payment_payouts" | "stake_payouts" | "reward_vault" => Scope::Network,
        "epoch_book" => Scope::NetworkPage,
        "epoch_shard" | "shard" => Scope::Shard,
        "job" | "escrow_vault" | "attestation" => Scope::Job,
        "provider"
        | "stake_vault"
        | "provider_book"
        | "provider_token"
        | "owner"
        | "owner_stake_account" => Scope::Provider,
        "client"
        | "client_record"
        | "client_token"
        | "client_stake_token"
        | "client_signer"
        | "payment_destination"
        | "stake_destination" => Scope::Client,
        "attestor_key" | "attestor" => Scope::Attestor,
        "payer" | "funder" | "funder_token" | "destination" | "fee payer" => Scope::Sender,
        "creator" | "authority" | "new_authority" => Scope::Authority,
        other => bail!("no write scope for account `{other}`: add it to costs::render::scope"),
    })
}

/// Instructions on a job's path (the hot path of the network).
pub const HOT_PATH: &[&str] = &[
    "create_job",
    "cancel_job",
    "accept_job",
    "submit_result",
    "draw_audit",
    "approve_job",
    "dispute_job",
    "settle_job",
    "attest",
    "close_attestation",
    "expire_job",
];

/// Everything rendered about one step.
struct Row<'a> {
    step: &'a Step,
    names: Vec<String>,
    est: Estimate,
    events: Vec<(&'static str, usize)>,
    /// (name, writable, signer, scope, optional) per unique account of the instruction.
    accounts: Vec<(String, bool, bool, Scope, bool)>,
}

impl Row<'_> {
    fn writable(&self) -> impl Iterator<Item = &(String, bool, bool, Scope, bool)> {
        self.accounts.iter().filter(|a| a.1)
    }

    fn shared(&self) -> Vec<(String, Scope, bool)> {
        self.writable()
            .filter(|a| a.3.shared())
            .map(|a| (a.0.clone(), a.3, a.4))
            .collect()
    }

    fn runtime_log_bytes(&self) -> usize {
        self.step.m.logs.iter().map(String::len).sum()
    }

    fn program_log_bytes(&self) -> usize {
        self.step
            .m
            .program_lines
            .iter()
            .map(|l| "Program log: ".len() + l.len())
            .sum()
    }

    fn event_log_bytes(&self) -> usize {
        self.events
            .iter()
            .map(|(_, b)| model::event_log_len(*b))
            .sum()
    }

    /// The log of an SBF build: the runtime's lines here, the program's `msg!` lines and its
    /// events, and the `consumed` line the runtime writes for an SBF program.
    fn projected_log_bytes(&self) -> usize {
        let consumed = format!(
            "Program {} consumed {} of {} compute units",
            spice::ID,
            self.est.total(),
            LIMIT
        );
        self.runtime_log_bytes()
            + self.program_log_bytes()
            + self.event_log_bytes()
            + consumed.len()
    }

    fn rent(&self) -> (u64, u64, Vec<String>, Vec<String>) {
        let (mut paid, mut returned) = (0, 0);
        let (mut created, mut closed) = (Vec::new(), Vec::new());
        for c in &self.step.m.changes {
            let name = self.name_of(&c.address);
            if let Some(l) = c.created() {
                paid += l;
                created.push(name.clone());
            }
            if let Some(l) = c.closed() {
                returned += l;
                closed.push(name);
            }
        }
        (paid, returned, created, closed)
    }

    fn name_of(&self, address: &anchor_lang::prelude::Pubkey) -> String {
        self.step
            .m
            .ix
            .accounts
            .iter()
            .position(|m| m.pubkey == *address)
            .and_then(|i| self.names.get(i).cloned())
            .unwrap_or_else(|| "fee payer".into())
    }
}

fn n(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn idl_paths(items: &[IdlInstructionAccountItem], prefix: &str, out: &mut Vec<String>) {
    for item in items {
        match item {
            IdlInstructionAccountItem::Single(a) => out.push(format!("{prefix}{}", a.name)),
            IdlInstructionAccountItem::Composite(c) => {
                idl_paths(&c.accounts, &format!("{prefix}{}.", c.name), out)
            }
        }
    }
}

fn remaining_name(instruction: &str, i: usize) -> String {
    match instruction {
        "claim_rewards" => {
            if i.is_multiple_of(2) {
                format!("epoch_book[{}]", i / 2)
            } else {
                format!("provider_book[{}]", i / 2)
            }
        }
        "attest" => [
            "earlier.attestation",
            "earlier.attestor",
            "earlier.attestor_key",
        ][i % 3]
            .to_string(),
        "finalize_epoch" => format!("shard[{i}]"),
        _ => format!("remaining[{i}]"),
    }
}

fn row<'a>(
    idl: &Idl,
    structs: &BTreeMap<String, AccountsStruct>,
    step: &'a Step,
    prices: Prices,
    fixed: Fixed,
) -> Result<Row<'a>> {
    let fields: Vec<FieldInfo> = source::fields(structs, step.instruction)?;
    let ix_def = idl
        .instructions
        .iter()
        .find(|i| i.name == step.instruction)
        .ok_or_else(|| anyhow!("{} is not in the IDL", step.instruction))?;
    let mut idl_names = Vec::new();
    idl_paths(&ix_def.accounts, "", &mut idl_names);
    let paths: Vec<String> = fields.iter().map(|f| f.path.clone()).collect();
    if idl_names != paths {
        bail!(
            "{}: the IDL's accounts {idl_names:?} and the program's fields {paths:?} differ",
            step.instruction
        );
    }
    let metas = &step.m.ix.accounts;
    let mut names: Vec<String> = paths.clone();
    for i in 0..metas.len().saturating_sub(paths.len()) {
        names.push(remaining_name(step.instruction, i));
    }
    let mut events = Vec::new();
    for e in &step.facts.events {
        let bytes = model::event_bytes(idl, e).ok_or_else(|| {
            anyhow!("event {e} is not in the IDL (or has a type the model cannot size)")
        })?;
        events.push((*e, bytes));
    }
    let sizes: Vec<usize> = events.iter().map(|(_, b)| *b).collect();
    let est = model::estimate(step, &fields, prices, fixed, &sizes);
    let mut accounts = Vec::new();
    for meta in unique_metas(&step.m.ix) {
        // An absent optional account is the program id in its place.
        if meta.pubkey == spice::ID && !meta.is_writable {
            continue;
        }
        let i = metas
            .iter()
            .position(|m| m.pubkey == meta.pubkey)
            .unwrap_or(0);
        let name = names.get(i).cloned().unwrap_or_default();
        let scope = if meta.is_writable {
            scope(&name)?
        } else {
            scope(&name).unwrap_or(Scope::Sender)
        };
        let optional = fields.get(i).is_some_and(|f| f.optional);
        accounts.push((name, meta.is_writable, meta.is_signer, scope, optional));
    }
    Ok(Row {
        step,
        names,
        est,
        events,
        accounts,
    })
}

/// Renders every block.
pub fn render(
    idl: &Idl,
    structs: &BTreeMap<String, AccountsStruct>,
    steps: &[Step],
) -> Result<BTreeMap<String, String>> {
    let prices = Prices::of_runtime();
    // The runtime's fixed charges are the same on every fresh runtime.
    let fixed = fixed_costs()?;
    let mut rows = Vec::new();
    for s in steps {
        rows.push(row(idl, structs, s, prices, fixed)?);
    }
    for ix in &idl.instructions {
        if !rows
            .iter()
            .any(|r| r.step.instruction == ix.name && r.step.net == NetKind::TwoMint)
        {
            bail!("the scenario never runs `{}`", ix.name);
        }
    }
    let two: Vec<&Row> = rows
        .iter()
        .filter(|r| r.step.net == NetKind::TwoMint)
        .collect();
    let one: Vec<&Row> = rows
        .iter()
        .filter(|r| r.step.net == NetKind::OneMint)
        .collect();

    let mut blocks = BTreeMap::new();
    blocks.insert("summary".into(), summary(&two, &one));
    blocks.insert("instructions".into(), instructions(&two, fixed));
    blocks.insert("estimates".into(), estimates(&two));
    blocks.insert("claims".into(), claims(&two));
    blocks.insert("locks".into(), locks(&two)?);
    blocks.insert("one-mint".into(), one_mint(&two, &one));
    blocks.insert("treasury".into(), treasury(&two));
    blocks.insert("model".into(), model_block(&two, prices, fixed));
    Ok(blocks)
}

fn fixed_costs() -> Result<Fixed> {
    // Measured on a fresh chain (the same numbers every chain of the scenario measured).
    let payer = super::chain::keypair("fixed costs");
    Ok(super::chain::Chain::new(&[&payer])?.fixed)
}

fn worst<'a>(rows: &[&'a Row<'a>]) -> Option<&'a Row<'a>> {
    rows.iter().copied().max_by_key(|r| r.est.total())
}

fn summary(two: &[&Row], one: &[&Row]) -> String {
    let mut s = String::from("\n");
    // Two-mint rows last: on a tie the two-mint one is named.
    let all: Vec<&Row> = one.iter().chain(two.iter()).copied().collect();
    if let Some(w) = worst(&all) {
        let _ = writeln!(
            s,
            "- **Worst instruction** (estimate, no SBF build): {} on the {} network, **{} CU**{}.",
            w.step.label(),
            w.step.net.short(),
            n(w.est.total()),
            if w.est.total() > CU_GOAL {
                format!(" — over the {} CU goal", n(CU_GOAL))
            } else {
                String::new()
            }
        );
    }
    let over: Vec<String> = two
        .iter()
        .filter(|r| r.est.total() > CU_GOAL)
        .map(|r| format!("{} {}", r.step.label(), n(r.est.total())))
        .collect();
    let _ = writeln!(
        s,
        "- **Over {} CU** (two-mint network; the one-mint figures are in its table): {}.",
        n(CU_GOAL),
        if over.is_empty() {
            "none".to_string()
        } else {
            over.join("; ")
        }
    );
    if let Some(big) = all.iter().max_by_key(|r| r.step.m.tx_bytes) {
        let _ = writeln!(
            s,
            "- **Largest transaction**: {} on the {} network, {} of {} bytes.",
            big.step.label(),
            big.step.net.short(),
            big.step.m.tx_bytes,
            PACKET
        );
    }
    let mut hot: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in two
        .iter()
        .filter(|r| HOT_PATH.contains(&r.step.instruction))
    {
        for (name, sc, _) in r.shared() {
            if sc != Scope::Shard {
                let e = hot.entry(format!("`{name}`")).or_default();
                let ix = format!("`{}`", r.step.instruction);
                if !e.contains(&ix) {
                    e.push(ix);
                }
            }
        }
    }
    let _ = writeln!(
        s,
        "- **Shared write locks on the job path today** (network-wide accounts written by \
         job-path instructions; the epoch shard is the one 1-of-N account they share):"
    );
    for (account, ixs) in &hot {
        let _ = writeln!(s, "  - {account}: {}", ixs.join(", "));
    }
    let _ = writeln!(
        s,
        "- **Treasury decision: shard it**, by the job's shard like the epoch shards \
         (`[\"treasury\", network, mint, [shard]]`, 1-of-`shard_count`). This is a program \
         change, described in [the treasury decision](#the-treasury-decision); it is not made \
         here, so the tables show the program as it is."
    );
    let _ = writeln!(
        s,
        "- **Goal 1** (no job-path instruction writes an account shared by unrelated jobs except \
         a 1-of-N shard): **not met today** — the treasury (every settlement; the stake \
         treasury on a fraud verdict) and the payouts vaults, which the program takes as \
         optional but the SDK always passes (`app/sdk/src/ix.rs`, `refund_accounts`: \"Always \
         passed for now\"). Met once the treasury is sharded (program) and the SDK passes a \
         payouts vault only when a payee's account would refuse its payout (SDK). Off the job \
         path, by design: the Network in claims and in epoch finalization and closing (the \
         circuit breaker and the reward totals are network-wide), the EpochBook page in claims."
    );
    let over_two: Vec<String> = two
        .iter()
        .filter(|r| r.est.total() > CU_GOAL)
        .map(|r| r.step.label())
        .collect();
    let _ = writeln!(
        s,
        "- **Goal 2** (every estimate under {} CU): {}",
        n(CU_GOAL),
        if over_two.is_empty() {
            "met.".to_string()
        } else {
            format!(
                "**not met** by {} — see [what would bring them under](#what-would-bring-them-under).",
                over_two.join(", ")
            )
        }
    );
    s.push('\n');
    s
}

fn instructions(rows: &[&Row], fixed: Fixed) -> String {
    let mut s = String::from(
        "\n| instruction | tx bytes | accounts (metas / unique) | writable | signers | \
         PDA checks: stored bump / search | CPIs | callee CU (measured) | log bytes: runtime / SBF projected | rent paid / returned (lamports) | CU estimate |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n",
    );
    for r in rows {
        let m = &r.step.m;
        let writable = r.writable().count();
        let signers = m.signatures;
        let mut cpis: Vec<(String, usize)> = Vec::new();
        for c in &m.cpis {
            let name = cpi_label(c);
            match cpis.iter_mut().find(|(n, _)| *n == name) {
                Some(e) => e.1 += 1,
                None => cpis.push((name, 1)),
            }
        }
        let cpis = if cpis.is_empty() {
            "—".to_string()
        } else {
            cpis.iter()
                .map(|(n, c)| {
                    if *c > 1 {
                        format!("{n} ×{c}")
                    } else {
                        n.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (paid, returned, _, _) = r.rent();
        let est = r.est.total();
        let flag = if est > CU_GOAL { " ⚠" } else { "" };
        let size_flag = if m.tx_bytes > PACKET { " ⚠" } else { "" };
        let _ = writeln!(
            s,
            "| {} | {}{} | {} / {} | {} | {} | {} / {} | {} | {} | {} / {} | {} / {} | {}{} |",
            r.step.label(),
            m.tx_bytes,
            size_flag,
            m.ix.accounts.len(),
            m.message_accounts,
            writable,
            signers,
            r.est.stored_bumps,
            r.est.searches,
            cpis,
            n(model::callee_units(m, fixed)),
            n(r.runtime_log_bytes() as u64),
            n(r.projected_log_bytes() as u64),
            n(paid),
            n(returned),
            n(est),
            flag
        );
    }
    s.push_str(
        "\nTx bytes: the bincode size of the signed transaction the SDK sends (its compute-limit \
         instruction, then the instruction; equal to `spice_sdk::flows::transaction_size`), \
         against the 1,232-byte packet. Accounts: the instruction's metas (remaining accounts \
         included) / the message's accounts (programs and the fee payer included). Writable: \
         distinct writable accounts of the instruction. Signers: the transaction's signatures. \
         CPI names are the callees' `Instruction:` log lines (the system program writes none). \
         Log bytes: what the runtime logged here (invocations, results, the SPL programs' \
         lines; each invocation once — `spice-ledger`'s native shim writes the program's \
         entry and every CPI's `invoke` and `success` lines a second time) / what an SBF build would log (plus the program's `msg!` lines, its events as \
         `Program data:` lines at their largest, and the `consumed` line), against the \
         runtime's 10,000-byte log limit. Rent: lamports of the accounts the instruction \
         created / closed (the fee payer's 5,000 lamports per signature aside). ⚠: over the \
         packet size or the compute-unit goal.\n\n",
    );
    for r in rows {
        let (_, _, created, closed) = r.rent();
        if created.is_empty() && closed.is_empty() {
            continue;
        }
        let mut parts = Vec::new();
        if !created.is_empty() {
            parts.push(format!("creates {}", codes(&created)));
        }
        if !closed.is_empty() {
            parts.push(format!("closes {}", codes(&closed)));
        }
        let _ = writeln!(s, "- {}: {}.", r.step.label(), parts.join("; "));
    }
    s.push('\n');
    s
}

fn codes(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cpi_label(c: &super::chain::Cpi) -> String {
    let program = if c.program == anchor_spl::token::ID {
        "SPL Token"
    } else if c.program == anchor_spl::token_2022::ID {
        "Token-2022"
    } else if c.program == anchor_lang::solana_program::system_program::ID {
        "System"
    } else {
        "other"
    };
    match &c.name {
        Some(name) => format!("{program} {name}"),
        None => program.to_string(),
    }
}

fn estimates(rows: &[&Row]) -> String {
    let mut s = String::from(
        "\n**Estimate (no SBF build)**: Spice's compute units by the model of \
         [the cost model](#the-cost-model); the callees' units and the sysvar reads are \
         measured on the runtime.\n\n| instruction |",
    );
    for t in model::TERMS {
        let _ = write!(s, " {t} |");
    }
    s.push_str(" **total** | PDA searches (of which ATAs; in handlers) | sysvar reads (Clock, Rent) |\n| --- |");
    for _ in model::TERMS {
        s.push_str(" ---: |");
    }
    s.push_str(" ---: | --- | --- |\n");
    for r in rows {
        let _ = write!(s, "| {} |", r.step.label());
        for t in model::TERMS {
            let _ = write!(s, " {} |", n(r.est.term(t)));
        }
        let handler: usize = r.est.handler_searches.iter().map(|(_, k)| k).sum();
        let flag = if r.est.total() > CU_GOAL { " ⚠" } else { "" };
        let reads = r
            .est
            .sysvar_reads
            .map_or("?".to_string(), |(c, rent)| format!("{c}, {rent}"));
        let _ = writeln!(
            s,
            " **{}**{} | {} ({}; {}) | {} |",
            n(r.est.total()),
            flag,
            r.est.searches,
            r.est.ata_searches,
            handler,
            reads
        );
    }
    s.push('\n');
    let mut sites = String::new();
    for site in HANDLER_SITES {
        let _ = writeln!(
            sites,
            "- `programs/spice/src/{}`: `{}` ×{} — {}",
            site.file, site.call, site.sites, site.what
        );
    }
    let _ = write!(
        s,
        "PDA checks: from the program's `#[derive(Accounts)]` structs, read with Anchor's \
         parser — `seeds` with `bump = <stored bump>` is one `create_program_address` ({} CU), \
         a bare `bump` is a `find_program_address` (a bump search: {} CU per bump tried, {} \
         tries expected); `seeds::program = ASSOCIATED_TOKEN_PROGRAM` derives a payee's ATA. \
         Derivations in handlers (every one a search; `xtask/tests/costs.rs` keeps this list \
         equal to the program's call sites):\n\n{sites}\n\
         CPI signer seeds are checked by the runtime with `create_program_address` at no charge \
         to the caller.\n\n",
        n(Prices::of_runtime().create_program_address),
        n(Prices::of_runtime().create_program_address),
        allowance::SEARCH_TRIES,
    );
    // What would bring the largest under the goal.
    let over: Vec<&&Row> = rows.iter().filter(|r| r.est.total() > CU_GOAL).collect();
    s.push_str("### What would bring them under\n\n");
    if over.is_empty() {
        s.push_str("Every instruction's estimate is under the goal.\n\n");
        return s;
    }
    for r in &over {
        let e = &r.est;
        let searches = e.searches as u64
            * allowance::SEARCH_TRIES
            * Prices::of_runtime().create_program_address;
        let _ = writeln!(
            s,
            "- {}: {} CU, of which PDA searches {} ({} searches: {} of payees' ATAs, {} in the \
             handler), CPIs {} overhead + {} in the callees ({} call{}), Anchor's accounts {}.",
            r.step.label(),
            n(e.total()),
            n(searches),
            e.searches,
            e.ata_searches,
            e.handler_searches.iter().map(|(_, k)| k).sum::<usize>(),
            n(e.term(model::T_CPI)),
            n(e.term(model::T_CALLEES)),
            r.step.m.cpis.len(),
            if r.step.m.cpis.len() == 1 { "" } else { "s" },
            n(e.term(model::T_FRAMEWORK))
        );
    }
    s.push_str(
        "\nThe levers, largest first (program changes, not made here):\n\n\
         1. **Bump searches → stored or passed bumps.** Every search costs an expected 3,000 CU \
         (and 1,500 more per unlucky bump). The payees' ATA checks (`seeds::program = \
         ASSOCIATED_TOKEN_PROGRAM` with a bare `bump`) can take the bump as an instruction \
         argument and check it with `create_program_address` (the SDK knows it); the \
         ProviderBook page and EpochShard bumps of the current epoch likewise (the seeds are \
         still checked, only the search goes). About 1,500 CU saved per search.\n\
         2. **Fewer token CPIs per settlement.** The fee and the provider's payment leave the \
         escrow in two transfers and the refund in a third; with the treasury sharded the fee \
         transfer stays, but a zero refund (units = max) already skips one. Each token CPI \
         costs its callee (measured above) plus ~3,600 of CPI overhead in this model.\n\
         3. **The account creation on first settlement** (ProviderBook page, EpochShard: two \
         system CPIs and their rent) falls on whichever settlement comes first in an epoch; \
         a crank creating the epoch's shards and pages ahead would take it off the job path.\n\n",
    );
    s
}

fn claims(rows: &[&Row]) -> String {
    let mut s = String::from("\n");
    let claims: Vec<&&Row> = rows
        .iter()
        .filter(|r| r.step.instruction == "claim_rewards")
        .collect();
    let (Some(small), Some(big)) = (
        claims.iter().min_by_key(|r| r.step.facts.claim_pages),
        claims.iter().max_by_key(|r| r.step.facts.claim_pages),
    ) else {
        return s;
    };
    let (p1, p2) = (
        small.step.facts.claim_pages as u64,
        big.step.facts.claim_pages as u64,
    );
    let _ = writeln!(
        s,
        "| claim | page pairs | epochs paid | tx bytes | accounts | estimate CU |\n| --- | ---: | ---: | ---: | ---: | ---: |"
    );
    for r in [small, big] {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            r.step.label(),
            r.step.facts.claim_pages,
            r.step.facts.claim_paid,
            r.step.m.tx_bytes,
            r.step.m.ix.accounts.len(),
            n(r.est.total())
        );
    }
    if p2 > p1 {
        let prices = Prices::of_runtime();
        let entry = <spice::state::EpochEntry as anchor_lang::Space>::INIT_SPACE as u64;
        let pentry = <spice::state::ProviderEntry as anchor_lang::Space>::INIT_SPACE as u64;
        let event = big
            .events
            .iter()
            .find(|(e, _)| *e == "RewardClaimed")
            .map_or(0, |(_, b)| *b as u64);
        // Per epoch paid: its reward share, its epoch entry read, both entries written, and
        // its `RewardClaimed` event.
        let per_epoch = allowance::REWARD_SHARE
            + allowance::PER_BYTE * (2 * entry + pentry)
            + 2 * prices.syscall_base
            + (1 + allowance::PER_BYTE) * event
            + allowance::EVENT_BUILD;
        let (paid1, paid2) = (
            small.step.facts.claim_paid as u64,
            big.step.facts.claim_paid as u64,
        );
        let per_page = big
            .est
            .total()
            .saturating_sub(small.est.total())
            .saturating_sub((paid2 - paid1) * per_epoch)
            / (p2 - p1);
        let per_bytes =
            (big.step.m.tx_bytes.saturating_sub(small.step.m.tx_bytes)) as u64 / (p2 - p1);
        let fixed = small
            .est
            .total()
            .saturating_sub(per_page * p1 + per_epoch * paid1);
        let epochs = p2 * spice::constants::EPOCHS_PER_PAGE;
        let worst = fixed + per_page * p2 + per_epoch * epochs;
        let fits = CU_GOAL.saturating_sub(fixed) / (per_page + per_epoch).max(1);
        let _ = writeln!(
            s,
            "\nThe estimate is linear: **{} CU fixed + {} CU per page pair read + {} CU per \
             epoch paid** ({} transaction bytes per page pair). A page pair is two accounts in \
             the framework (~{} CU), the two headers and the 16 provider entries read ({} \
             bytes); an epoch paid is a reward share ({}), an epoch entry read and both entries \
             written ({} bytes) and its `RewardClaimed` event ({} bytes).\n\n\
             - {} page pairs with one epoch paid in each (measured above): {} CU{}.\n\
             - {} page pairs with every epoch paid ({} epochs: a provider that worked in every \
             epoch of the pages, e.g. daily epochs for half a year): **{} CU** — over the goal, \
             and over the default 200,000 per instruction: the SDK's `flows::claim_batches` \
             packs page pairs by transaction size only.\n\
             - Under the goal: about {} page pairs with one epoch paid each; with every epoch \
             paid, {} page pair{}.\n\n\
             Per page: claims should be batched by compute units as well as bytes (the SDK can \
             count the epochs it knows are owed, `flows::owed_in`), or the program could \
             skip the 16-entry scan by keeping a bitmap of the page's scored epochs in its \
             header.\n",
            n(fixed),
            n(per_page),
            n(per_epoch),
            per_bytes,
            n(2 * model::bench_marginal("accountInfo")),
            spice::state::EPOCH_BOOK_HEADER
                + spice::state::PROVIDER_BOOK_HEADER
                + spice::state::PAGE_LEN
                    * <spice::state::ProviderEntry as anchor_lang::Space>::INIT_SPACE,
            n(allowance::REWARD_SHARE),
            2 * entry + pentry,
            event,
            p2,
            n(big.est.total()),
            if big.est.total() > CU_GOAL {
                " — over the goal"
            } else {
                ", under the goal"
            },
            p2,
            epochs,
            n(worst),
            fits,
            CU_GOAL.saturating_sub(fixed)
                / (per_page + spice::constants::EPOCHS_PER_PAGE * per_epoch).max(1),
            if CU_GOAL.saturating_sub(fixed)
                / (per_page + spice::constants::EPOCHS_PER_PAGE * per_epoch).max(1)
                == 1
            {
                ""
            } else {
                "s"
            }
        );
    }
    s
}

fn locks(rows: &[&Row]) -> Result<String> {
    let mut s = String::from(
        "\n| instruction | writable accounts (scope) | shared by unrelated users |\n| --- | --- | --- |\n",
    );
    for r in rows {
        let writable: Vec<String> = r
            .writable()
            .map(|a| format!("`{}` ({})", a.0, a.3.describe()))
            .collect();
        let shared: Vec<String> = r
            .shared()
            .iter()
            .map(|(name, sc, optional)| {
                let last = name.rsplit('.').next().unwrap_or(name);
                let job_path = HOT_PATH.contains(&r.step.instruction);
                let note = match (last, sc) {
                    (_, Scope::Shard) => "1-of-N".to_string(),
                    (_, _) if *optional => {
                        "**network-wide**; optional in the program, the SDK always passes it"
                            .to_string()
                    }
                    ("treasury" | "stake_treasury", _) if job_path => {
                        "**network-wide** (decision: shard)".to_string()
                    }
                    _ => format!("**{}**", sc.describe()),
                };
                format!("`{name}`: {note}")
            })
            .collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            r.step.label(),
            writable.join(", "),
            if shared.is_empty() {
                "—".to_string()
            } else {
                shared.join("; ")
            }
        );
    }
    s.push_str(
        "\nScopes: *per job* (the job, its escrow, its votes), *per provider* (its account, \
         stake vault, book pages, its owner's accounts), *per client*, *per attestor*, *per \
         sender* (a signer paying, or a destination it chose), *authority*, *1-of-N shard* \
         (one of `shard_count` by the job's address), *network-wide* (one account for every \
         user of the network: transactions writing it run one after another, and they share its \
         fee market). The fee payer is writable in every transaction (per sender) and is not \
         listed.\n\n",
    );
    Ok(s)
}

fn one_mint(two: &[&Row], one: &[&Row]) -> String {
    let mut s = format!(
        "\nThe same scenario on a {} network (one treasury and one payouts vault serve both \
         mints; the twelve-page claim is not repeated). Instructions whose figures differ from \
         the {} network:\n\n\
         | instruction | tx bytes | accounts (metas / unique) | writable | CPIs | callee CU | \
         CU estimate |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        NetKind::OneMint.describe(),
        NetKind::TwoMint.short()
    );
    for r in one {
        let twin = two
            .iter()
            .find(|t| t.step.instruction == r.step.instruction && t.step.variant == r.step.variant);
        let cells = |x: &Row| {
            (
                x.step.m.tx_bytes,
                x.step.m.ix.accounts.len(),
                x.step.m.message_accounts,
                x.writable().count(),
                x.step.m.cpis.len(),
                x.est.term(model::T_CALLEES),
                x.est.total(),
            )
        };
        let c = cells(r);
        let prev = twin.map(|t| cells(t));
        if prev == Some(c) {
            continue;
        }
        let show = |now: String, before: Option<String>| match before {
            Some(b) if b != now => format!("{now} ({b})"),
            _ => now,
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.step.label(),
            show(c.0.to_string(), prev.map(|p| p.0.to_string())),
            show(
                format!("{} / {}", c.1, c.2),
                prev.map(|p| format!("{} / {}", p.1, p.2))
            ),
            show(c.3.to_string(), prev.map(|p| p.3.to_string())),
            show(c.4.to_string(), prev.map(|p| p.4.to_string())),
            show(n(c.5), prev.map(|p| n(p.5))),
            show(n(c.6), prev.map(|p| n(p.6))),
        );
    }
    s.push_str(
        "\nIn parentheses: the two-mint figure. Token-2022 on both sides means every token CPI \
         is a Token-2022 one; one mint means fewer vaults and, in `attest`, the settlement's \
         treasury and payouts vault serving as the stake ones (Anchor's `dup`).\n\n",
    );
    s
}

fn treasury(rows: &[&Row]) -> String {
    let settlements: Vec<String> = rows
        .iter()
        .filter(|r| r.step.facts.settles)
        .map(|r| r.step.label())
        .collect();
    let mut s = String::from("\n");
    let _ = write!(
        s,
        "**Decision: shard the treasury vaults like the epoch shards.** Today every settlement \
         ({}) moves its fee into the one payment-mint treasury vault, and every fraud verdict \
         moves the treasury's share of the slash into the one stake-mint treasury vault: each \
         is a network-wide write lock on the job path, so a network's settlements run one after \
         another however many providers and clients it has (at ~{} CU each, the 12M CU a block \
         allows one writable account caps a network near {} settlements per block), and they \
         all bid in one local fee market. The epoch shards already spread the reward writes \
         over `shard_count` accounts; the fee writes are the one thing left that every \
         settlement shares. Keeping a single treasury would be justified only if the fee had \
         to be in one account at settlement time, and nothing needs it there: the authority \
         withdraws it whenever it likes, and the audit sums vaults either way.\n\n",
        settlements.join(", "),
        n(rows
            .iter()
            .filter(|r| r.step.facts.settles)
            .map(|r| r.est.total())
            .max()
            .unwrap_or(0)),
        n(12_000_000
            / rows
                .iter()
                .filter(|r| r.step.facts.settles)
                .map(|r| r.est.total())
                .max()
                .unwrap_or(1)
                .max(1)),
    );
    s.push_str(
        "The program change (not made here):\n\n\
         1. **Accounts.** Treasury shards `[\"treasury\", network, mint, [shard]]` for `shard` \
         in `0..shard_count` (fixed at creation, ≤ 12), token accounts owned by the Network PDA \
         as today. Shard 0 may keep today's address `[\"treasury\", network, mint]` and bump, \
         so existing vaults stay valid.\n\
         2. **Bumps.** `Network` keeps `payment_treasury_shard_bumps: [u8; 12]` and \
         `stake_treasury_shard_bumps: [u8; 12]` and a `treasury_shards_created: u32` bitmask \
         (28 of its 64 reserved bytes; `ACCOUNT_VERSION` unchanged, the existing fields keep \
         their offsets), so settlement checks a shard with `create_program_address` (1,500 \
         CU), not a search.\n\
         3. **Creation.** A new permissionless instruction `create_treasury_shard(mint, shard)` \
         (payer signs and pays 2,039,280 lamports of rent per shard and mint; writes the \
         Network once, at deploy time) creates one shard with `pda_account::create_token_account`; \
         `spice network deploy` creates all of them. Settlement never creates one (no system \
         CPI, no rent on the job path); a settlement whose shard is missing fails with a new \
         `TreasuryShardMissing` error (append-only code), which deploy makes unreachable.\n\
         4. **Settlement.** `SettleAccounts.treasury` becomes the shard of \
         `shard_of(job, shard_count)` — the same index as the settlement's `epoch_shard`: \
         `seeds = [TREASURY, network, payment_mint, &[shard_of(job)]]` with the stored bump \
         (shard 0: today's seeds). `Attest.stake_treasury` likewise with the stake mint (one \
         mint: the same account, `dup` as today).\n\
         5. **Withdrawal.** `withdraw_treasury(amount)` takes the shard as an argument (`shard: \
         u8`) and withdraws from that shard; sweeping a network is one instruction per shard and \
         mint (≤ 24), packed several to a transaction by the SDK.\n\
         6. **SDK, CLI, audit.** `pda::treasury_shard(network, mint, shard)`; `settle_accounts` \
         and `attest` pass the job's shard; the Snapshot and invariants 5–6 cover every shard; \
         `spice network show` sums them.\n\n\
         Cost: 2 × (shard_count − 1) more token accounts of rent per network (≤ 22 × 2,039,280 \
         lamports), paid once at deploy; no change to a settlement's size or units (the shard \
         replaces the treasury one for one, checked the same way).\n\n\
         **The payouts vaults** need no program change: the program already takes them as \
         optional (a refused payout without one fails with `PayoutsVaultRequired`), but the SDK \
         always passes them, writable. Passing one only when a payee's token account would \
         refuse (the SDK can read the ATA first, `token::payee_accepts` mirrored off chain, and \
         retry with the vault on `PayoutsVaultRequired`) takes them off the job path too; a \
         refused payout is the exception, and then writing a network-wide vault is acceptable.\n\n\
         **Kept network-wide, by design:** the Network account in `claim_rewards` (the circuit \
         breaker's window and `total_claimed` must be one account: a per-shard breaker would \
         let N times the outflow through), in `finalize_epoch` and `close_epoch` (once per \
         epoch), and in governance; the EpochBook page in `claim_rewards` (each claim adds to \
         the epoch's `claimed`, which `close_epoch` returns to the pool). Claims are one per \
         provider per batch of epochs, not one per job.\n\n",
    );
    s
}

fn model_block(rows: &[&Row], prices: Prices, fixed: Fixed) -> String {
    let mut s = String::from("\n");
    let _ =
        write!(
        s,
        "Spice runs natively in the runtime, so its own compute units are not metered like SBF \
         (the host build is not instruction-counted). Everything the runtime does meter is \
         measured; the rest is **estimated**, term by term:\n\n\
         | term | how |\n| --- | --- |\n\
         | {fw} | Anchor's benchmark: a base of {base} CU (the largest 1-account figure less \
         that account's marginal cost) plus, per account, the marginal cost of its type \
         (8-account figure less 1-account figure, over 7): {list}; an absent optional account \
         50; a remaining account as an `AccountInfo`. |\n\
         | {data} | {pb} CU per byte Borsh decodes or encodes: `Account<T>` data (again at exit \
         when `mut` and not closed), token-account and mint extensions beyond the benchmark's \
         base sizes, accounts the handler creates or loads and stores by hand, and the single \
         entries of book pages it reads and writes, sized by the program's own types. |\n\
         | {pda} | {cpa} CU per `create_program_address` (a stored bump), {tries} × {cpa} \
         expected per `find_program_address` (a search), from the runtime's execution-cost \
         table. |\n\
         | {cpi} | per call: {inv} (`invoke_units`{simd}) + (instruction data + {metas}per \
         account a ~250-byte account's data) / {bpu}, + {glue} for the Rust side (see the \
         allowances). |\n\
         | {callees} | **measured**: what the runtime reports each SBF callee consumed (its \
         `consumed` log line), and {sys} CU per system-program call (a builtin, measured once \
         per runtime as a transfer's units less the compute-budget instruction's {cb}). |\n\
         | {logs} | per `msg!` line (captured from the native program): max({base_log}, length) \
         + {fmt}; per event (`sol_log_data`): {base_log} + {base_log} + its bytes + encoding \
         ({pb}/byte) + {evb}, at its largest size (every `Option` present, every string at its \
         limit). |\n\
         | {sysv} | **measured**: the native program's own meter (the transaction's units as \
         the runtime reports them, less the compute-budget instruction and the callees) less 1 \
         for entering a builtin is its `Clock::get` and `Rent::get` reads (the native shim \
         prices them 140 and 117); counted, and priced as SBF does (140 and 124). |\n\
         | {logic} | allowances below. |\n\n",
        fw = model::T_FRAMEWORK,
        base = n(model::bench_base()),
        list = [
            ("Account", "accountEmpty"),
            ("Box<Account>", "boxedAccountEmpty"),
            ("InterfaceAccount<Mint>", "boxedInterfaceAccountMint"),
            ("InterfaceAccount<TokenAccount>", "boxedInterfaceAccountToken"),
            ("Signer", "signer"),
            ("UncheckedAccount", "uncheckedAccount"),
            ("Program", "program"),
            ("Interface", "interface"),
            ("AccountInfo", "accountInfo"),
        ]
        .iter()
        .map(|(t, b)| format!("`{t}` {}", model::bench_marginal(b)))
        .collect::<Vec<_>>()
        .join(", "),
        data = model::T_DATA,
        pb = allowance::PER_BYTE,
        pda = model::T_PDA,
        cpa = n(prices.create_program_address),
        tries = allowance::SEARCH_TRIES,
        cpi = model::T_CPI,
        inv = prices.invoke,
        simd = if prices.cpi_metas_and_infos {
            " with SIMD-0339 active, as on this runtime; 1,000 without"
        } else {
            ""
        },
        metas = if prices.cpi_metas_and_infos {
            "34 + 80 bytes per account meta and account info + "
        } else {
            ""
        },
        bpu = prices.cpi_bytes_per_unit,
        glue = n(allowance::CPI_GLUE),
        callees = model::T_CALLEES,
        sys = fixed.system,
        cb = fixed.compute_budget,
        logs = model::T_LOGS,
        base_log = prices.syscall_base,
        fmt = allowance::MSG_FORMAT,
        evb = allowance::EVENT_BUILD,
        sysv = model::T_SYSVARS,
        logic = model::T_HANDLER,
    );
    let _ = write!(
        s,
        "Allowances (the least certain part; `xtask/src/costs/model.rs`, `allowance`): \
         {h} per handler (checks, state methods, events built); settlement arithmetic {set} \
         (the stake multiplier's `isqrt`, the payout, value and score in u128 — a u128 division \
         is a software routine on SBF); audit draw {draw}; per `payee_accepts` {payee}; per \
         mint screen {screen}; a vote {vote}; per reward share {share}; the circuit breaker \
         {breaker}; per round of the emission curve's power (two per bit of the epoch index) \
         {curve}; the Rust side of a CPI {glue} (Anchor's own init costs {init} per account in \
         its benchmark, of which the create_account syscall, the system program and \
         `Rent::get` are ~1,220: the rest is taken as the Rust side of a CPI).\n\n",
        h = n(allowance::HANDLER),
        set = n(allowance::SETTLEMENT),
        draw = n(allowance::DRAW),
        payee = n(allowance::PAYEE_CHECK),
        screen = n(allowance::MINT_SCREEN),
        vote = n(allowance::VOTE),
        share = n(allowance::REWARD_SHARE),
        breaker = n(allowance::BREAKER),
        curve = n(allowance::CURVE_ROUND),
        glue = n(allowance::CPI_GLUE),
        init = n(model::bench_marginal("accountEmptyInit")),
    );
    s.push_str("### Public anchors\n\n| figure | public | this model |\n| --- | ---: | ---: |\n");
    let find = |ix: &str| rows.iter().find(|r| r.step.instruction == ix);
    let _ = writeln!(
        s,
        "| an Anchor instruction taking one `Account` | 774 (Anchor bench `accountEmpty1`) | {} (base + one `Account`, no data) |",
        n(model::bench_base() + model::bench_marginal("accountEmpty"))
    );
    let _ = writeln!(
        s,
        "| creating one account | 4,915 (Anchor bench `accountEmptyInit1`; ~3,900 per further account) | {} (a `create_account` CPI: invoke + Rust side + system program + `Rent::get`) |",
        n(prices.invoke + allowance::CPI_GLUE + fixed.system + 124)
    );
    if let Some(r) = find("fund_rewards") {
        let _ = writeln!(
            s,
            "| a deposit (one `TransferChecked` in, a few accounts) | 26,670 average (18,819–32,536), solana-program/escrow `Deposit` | {} (`fund_rewards`) |",
            n(r.est.total())
        );
    }
    if let Some(r) = find("withdraw_unbonded") {
        let _ = writeln!(
            s,
            "| a withdrawal (one `TransferChecked` out, PDA-signed) | 23,462 average (15,342–30,509), solana-program/escrow `Withdraw` | {} (`withdraw_unbonded`) |",
            n(r.est.total())
        );
    }
    s.push_str(
        "\nAnchor's figures: `bench/COMPUTE_UNITS.md` of the Anchor repository (Solana 2.3). \
         The escrow's: `docs/CU_BENCHMARKS.md` of solana-program/escrow (LiteSVM, averages over \
         its integration tests). Both are SBF measurements of other programs: they check the \
         model's scale, not Spice's numbers. Measure against a `cargo build-sbf` build before \
         setting compute limits.\n\n",
    );
    let _ = write!(
        s,
        "### How it is measured\n\n\
         `cargo run -p xtask -- costs` runs a scripted scenario (`xtask/src/costs/scenario.rs`) \
         on a fresh `spice-ledger` runtime per network, through the SDK's instruction builders, \
         with fixed keys, a fixed start time ({start}) and fixed amounts: one-hour epochs, \
         {shards} shards, quorum 2, no audits (`audit_rate_bps = 0`: approval settles), URIs of \
         {uri} bytes. Payees take their payouts except where a step says otherwise. Each \
         measured instruction is sent as the SDK sends it; the runtime reports the \
         transaction's units, its inner instructions (the CPIs) and its log (each SBF callee's \
         `consumed` units); the accounts of its message are compared before and after. The native program's `msg!` \
         lines are captured from standard output; its events (`emit!`, a no-op on the host) \
         are listed per step in the scenario and sized from the IDL. Setting up (mints, token \
         accounts, the other actors' transactions) is not measured.\n\n",
        start = super::chain::GENESIS_TS,
        shards = scenario::params().shard_count,
        uri = scenario::URI_LEN,
    );
    s
}
