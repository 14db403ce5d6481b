//! Program-derived addresses. The only place off chain that combines seeds.

use anchor_lang::prelude::Pubkey;
use spice::state::seeds;

/// Addresses remembered per thread, at most this many (then forgotten all at once).
const MEMO_CAPACITY: usize = 1 << 16;

/// A derivation costs a SHA-256 and a curve check for every bump tried; an audit derives every
/// vault of a network, and a simulation or a fuzz run audits after every step. The same
/// addresses come back, so each thread remembers them (seeds → address: a pure function).
fn find(seeds: &[&[u8]]) -> Pubkey {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static MEMO: RefCell<HashMap<Vec<u8>, Pubkey>> = RefCell::new(HashMap::new());
    }
    // Each seed with its length in front (a seed is at most 32 bytes), so no two seed lists
    // share a key.
    let mut key = Vec::with_capacity(seeds.iter().map(|s| s.len() + 1).sum());
    for seed in seeds {
        key.push(seed.len() as u8);
        key.extend_from_slice(seed);
    }
    if let Some(address) = MEMO.with(|memo| memo.borrow().get(&key).copied()) {
        return address;
    }
    let address = Pubkey::find_program_address(seeds, &spice::ID).0;
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.len() >= MEMO_CAPACITY {
            memo.clear();
        }
        memo.insert(key, address);
    });
    address
}

/// `["network", creator, id]`.
pub fn network(creator: &Pubkey, id: u64) -> Pubkey {
    find(&[seeds::NETWORK, creator.as_ref(), &id.to_le_bytes()])
}

/// `["provider", network, owner]`.
pub fn provider(network: &Pubkey, owner: &Pubkey) -> Pubkey {
    find(&[seeds::PROVIDER, network.as_ref(), owner.as_ref()])
}

/// `["stake", provider]`.
pub fn stake_vault(provider: &Pubkey) -> Pubkey {
    find(&[seeds::STAKE_VAULT, provider.as_ref()])
}

/// `["client", network, client]`: the client's job counter and owed refunds.
pub fn client(network: &Pubkey, client: &Pubkey) -> Pubkey {
    find(&[seeds::CLIENT, network.as_ref(), client.as_ref()])
}

/// `["job", network, client, job_id]`.
pub fn job(network: &Pubkey, client: &Pubkey, job_id: u64) -> Pubkey {
    find(&[
        seeds::JOB,
        network.as_ref(),
        client.as_ref(),
        &job_id.to_le_bytes(),
    ])
}

/// `["escrow", job]`.
pub fn escrow_vault(job: &Pubkey) -> Pubkey {
    find(&[seeds::ESCROW_VAULT, job.as_ref()])
}

/// `["attestor", network, key]`.
pub fn attestor(network: &Pubkey, key: &Pubkey) -> Pubkey {
    find(&[seeds::ATTESTOR, network.as_ref(), key.as_ref()])
}

/// `["attestation", job, attestor key]`.
pub fn attestation(job: &Pubkey, attestor_key: &Pubkey) -> Pubkey {
    find(&[seeds::ATTESTATION, job.as_ref(), attestor_key.as_ref()])
}

/// `["epoch_book", network, page]`: the epoch results of page `page`.
pub fn epoch_book(network: &Pubkey, page: u64) -> Pubkey {
    find(&[seeds::EPOCH_BOOK, network.as_ref(), &page.to_le_bytes()])
}

/// `["epoch_shard", network, index, shard]`.
pub fn epoch_shard(network: &Pubkey, index: u64, shard: u8) -> Pubkey {
    find(&[
        seeds::EPOCH_SHARD,
        network.as_ref(),
        &index.to_le_bytes(),
        &[shard],
    ])
}

/// `["provider_book", provider, page]`: the provider's work of page `page`.
pub fn provider_book(provider: &Pubkey, page: u64) -> Pubkey {
    find(&[seeds::PROVIDER_BOOK, provider.as_ref(), &page.to_le_bytes()])
}

/// `["rewards", network]`.
pub fn reward_vault(network: &Pubkey) -> Pubkey {
    find(&[seeds::REWARD_VAULT, network.as_ref()])
}

/// `["treasury", network, mint]`.
pub fn treasury(network: &Pubkey, mint: &Pubkey) -> Pubkey {
    find(&[seeds::TREASURY, network.as_ref(), mint.as_ref()])
}

/// `["payouts", network, mint]`: payouts waiting for their payee.
pub fn payouts(network: &Pubkey, mint: &Pubkey) -> Pubkey {
    find(&[seeds::PAYOUTS, network.as_ref(), mint.as_ref()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_addresses_are_the_derived_ones() {
        let job = Pubkey::new_unique();
        let direct = Pubkey::find_program_address(&[seeds::ESCROW_VAULT, job.as_ref()], &spice::ID);
        assert_eq!(escrow_vault(&job), direct.0);
        assert_eq!(escrow_vault(&job), direct.0, "from the memo");
        for seeds in [
            &[&b"ab"[..], b"c"][..],
            &[b"a", b"bc"],
            &[b"abc"],
            &[b"ab", b"d"],
        ] {
            let direct = Pubkey::find_program_address(seeds, &spice::ID).0;
            assert_eq!(find(seeds), direct, "{seeds:?}");
            assert_eq!(find(seeds), direct, "{seeds:?} from the memo");
        }
    }
}
