//! The audit draw: whether a submitted job must be checked by attestors.
//!
//! The randomness is the hash of the first slot *after* the submit slot, read from the
//! SlotHashes sysvar. When the provider submits, that hash does not exist yet, so it cannot
//! simulate its transaction to learn (or grind) the draw. The sysvar keeps the last 512 slots;
//! if the entry has already left it, nobody can check what the draw was, so the job counts as
//! selected: waiting out the window never helps a provider.
//!
//! SlotHashes is about 20 KB; it is read in place (length prefix, then 40-byte entries sorted
//! newest first) with a binary search, never deserialized whole.

use anchor_lang::prelude::Pubkey;

use crate::constants::BPS_DENOMINATOR;

/// Address of the SlotHashes sysvar.
pub const SLOT_HASHES_ID: Pubkey =
    Pubkey::from_str_const("SysvarS1otHashes111111111111111111111111111");

const ENTRY_LEN: usize = 40;
const HEADER_LEN: usize = 8;

/// The result of trying to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Draw {
    /// No slot after the submit slot has a hash yet: try again in a later slot.
    NotReady,
    /// Drawn for attestation.
    Selected,
    /// Not drawn.
    NotSelected,
}

fn read_u64(data: &[u8], at: usize) -> Option<u64> {
    let bytes: [u8; 8] = data.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

fn entry_slot(data: &[u8], i: usize) -> Option<u64> {
    read_u64(data, HEADER_LEN + i * ENTRY_LEN)
}

fn entry_hash(data: &[u8], i: usize) -> Option<&[u8]> {
    let at = HEADER_LEN + i * ENTRY_LEN + 8;
    data.get(at..at + 32)
}

/// Hash of the oldest slot after `submit_slot` still in SlotHashes, or why there is none:
/// `Err(Draw::NotReady)` when no later slot is recorded yet, `Err(Draw::Selected)` when the
/// entries right after `submit_slot` have been pruned.
pub fn slot_hash_after(data: &[u8], submit_slot: u64) -> Result<[u8; 32], Draw> {
    let declared = read_u64(data, 0).unwrap_or(0);
    let fits = (data.len().saturating_sub(HEADER_LEN) / ENTRY_LEN) as u64;
    let n = declared.min(fits) as usize;
    if n == 0 {
        return Err(Draw::NotReady);
    }
    let newest = entry_slot(data, 0).ok_or(Draw::NotReady)?;
    if newest <= submit_slot {
        return Err(Draw::NotReady);
    }
    let oldest = entry_slot(data, n - 1).ok_or(Draw::NotReady)?;
    if oldest > submit_slot.saturating_add(1) {
        return Err(Draw::Selected);
    }
    // Entries are sorted newest first: `slot > submit_slot` holds on a prefix; find its end.
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if entry_slot(data, mid).ok_or(Draw::NotReady)? > submit_slot {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let hash = entry_hash(data, lo - 1).ok_or(Draw::NotReady)?;
    let mut out = [0u8; 32];
    out.copy_from_slice(hash);
    Ok(out)
}

/// Draws for `job` from the SlotHashes data. The job's address is mixed in so that jobs
/// submitted in the same slot draw independently; it is fixed before submission, so the
/// provider gains nothing from it.
pub fn draw(slot_hashes: &[u8], submit_slot: u64, job: &Pubkey, audit_rate_bps: u16) -> Draw {
    if audit_rate_bps == 0 {
        return Draw::NotSelected;
    }
    match slot_hash_after(slot_hashes, submit_slot) {
        Ok(hash) => {
            if is_selected(&hash, job, audit_rate_bps) {
                Draw::Selected
            } else {
                Draw::NotSelected
            }
        }
        Err(outcome) => outcome,
    }
}

/// The selection rule: a uniform 64-bit value from the slot hash and the job key, modulo the
/// basis-point scale, below the rate.
pub fn is_selected(slot_hash: &[u8; 32], job: &Pubkey, audit_rate_bps: u16) -> bool {
    let mut h = [0u8; 8];
    let mut k = [0u8; 8];
    h.copy_from_slice(&slot_hash[..8]);
    k.copy_from_slice(&job.as_ref()[..8]);
    let value = u64::from_le_bytes(h) ^ u64::from_le_bytes(k);
    value % BPS_DENOMINATOR < u64::from(audit_rate_bps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sysvar(entries: &[(u64, u8)]) -> Vec<u8> {
        let mut data = (entries.len() as u64).to_le_bytes().to_vec();
        for (slot, fill) in entries {
            data.extend_from_slice(&slot.to_le_bytes());
            data.extend_from_slice(&[*fill; 32]);
        }
        data
    }

    #[test]
    fn uses_the_first_slot_after_submission() {
        let data = sysvar(&[(12, 12), (11, 11), (10, 10), (9, 9)]);
        assert_eq!(slot_hash_after(&data, 10), Ok([11; 32]));
        assert_eq!(slot_hash_after(&data, 9), Ok([10; 32]));
    }

    #[test]
    fn skipped_slots_use_the_next_recorded_slot() {
        let data = sysvar(&[(20, 20), (15, 15), (10, 10)]);
        assert_eq!(slot_hash_after(&data, 10), Ok([15; 32]));
        assert_eq!(slot_hash_after(&data, 16), Ok([20; 32]));
    }

    #[test]
    fn not_ready_until_a_later_slot_is_recorded() {
        let data = sysvar(&[(10, 10), (9, 9)]);
        assert_eq!(slot_hash_after(&data, 10), Err(Draw::NotReady));
        assert_eq!(slot_hash_after(&data, 11), Err(Draw::NotReady));
        assert_eq!(slot_hash_after(&[], 1), Err(Draw::NotReady));
    }

    #[test]
    fn pruned_entries_count_as_selected() {
        let data = sysvar(&[(600, 1), (599, 1), (598, 1)]);
        assert_eq!(slot_hash_after(&data, 10), Err(Draw::Selected));
        assert_eq!(draw(&data, 10, &Pubkey::new_unique(), 1), Draw::Selected);
    }

    #[test]
    fn rate_bounds() {
        let data = sysvar(&[(11, 200), (10, 3)]);
        let job = Pubkey::new_unique();
        assert_eq!(draw(&data, 10, &job, 10_000), Draw::Selected);
        assert_eq!(draw(&data, 10, &job, 0), Draw::NotSelected);
    }

    #[test]
    fn truncated_data_is_not_trusted_beyond_its_length() {
        let mut data = sysvar(&[(11, 1), (10, 1)]);
        data[0] = 200; // declares more entries than it holds
        assert_eq!(slot_hash_after(&data, 10), Ok([1; 32]));
    }
}
