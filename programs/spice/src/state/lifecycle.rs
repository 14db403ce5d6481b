//! What can be done to a job, by whom, and until when: the job state machine read backwards.
//!
//! [`possible_actions`] follows the same methods of [`Job`] the handlers call (a deadline `d`
//! allows its action while `now <= d`; the action on the other side needs `now > d`). The CLI's
//! `job show`, the provider and crank agents, the fuzzer's model and the simulator ask it
//! instead of restating the rules.

use anchor_lang::prelude::*;

use crate::audit::Draw;
use crate::state::{AuditDraw, ExpireReason, Job, JobState};

/// Who may take an action on a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The job's client.
    Client,
    /// The provider (owner) that accepted it, or any eligible provider for an open job.
    Provider,
    /// The network's attestors that may vote on it (neither its client nor its provider's
    /// owner, added before it was accepted).
    Attestors,
    /// Anyone (a crank).
    Anyone,
}

/// An instruction on a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Cancel,
    Accept,
    Submit,
    Approve,
    Dispute,
    DrawAudit,
    Attest,
    Settle,
    Expire,
}

/// What else to know about a possible action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    None,
    /// `cancel`: everything back to the client.
    FullRefund,
    /// `expire`: everything back to the client, for this reason.
    Expiry(ExpireReason),
    /// `accept`: the provider must be Active with the minimum stake and room under the exposure
    /// limit; only `target` may accept, if set; `paused` when accepts are paused.
    AcceptRequirements {
        target: Option<Pubkey>,
        paused: bool,
    },
    /// `approve`/`settle`: pays the provider for these units.
    Pays {
        units: u64,
    },
    /// The audit draw needs the hash of a slot after the submission: try in a later slot.
    NeedsLaterSlot,
    /// `draw-audit` would record "not selected".
    DrawNotSelected,
    /// The draw selects the job: it then settles only on a Valid quorum.
    DrawSelects,
    /// A vote now records the selection and opens voting for this long.
    SelectionOpensVoting {
        seconds: i64,
    },
    /// Votes so far.
    Votes {
        valid: u8,
        invalid: u8,
        quorum: u8,
    },
    /// `draw-audit` on a disputed job: statistics only, the dispute needs a quorum anyway.
    DrawForStatistics,
}

/// One thing someone can do to a job, now or once a deadline has passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Possible {
    pub who: Role,
    pub action: Action,
    /// Possible at the time asked.
    pub now: bool,
    /// Possible only once the time is strictly after this.
    pub after: Option<i64>,
    /// Possible while the time is at most this.
    pub until: Option<i64>,
    pub note: Note,
}

impl Possible {
    fn new(who: Role, action: Action, now: bool) -> Self {
        Self {
            who,
            action,
            now,
            after: None,
            until: None,
            note: Note::None,
        }
    }

    fn until(mut self, t: i64) -> Self {
        self.until = Some(t);
        self
    }

    fn after(mut self, t: i64) -> Self {
        self.after = Some(t);
        self
    }

    fn note(mut self, note: Note) -> Self {
        self.note = note;
        self
    }
}

/// What can be done to `job` at unix time `now`, and what becomes possible later. `draw` is the
/// audit draw an instruction would record now ([`Job::draw_from`]): the recorded one, or for a
/// pending draw `NotReady` (no slot after the submission yet), `Selected` or `NotSelected`.
/// `accept_paused`: the network pauses `accept_job`.
pub fn possible_actions(job: &Job, draw: Draw, accept_paused: bool, now: i64) -> Vec<Possible> {
    use Action::*;
    use Role::*;
    let mut out = Vec::new();
    let votes = Note::Votes {
        valid: job.valid_votes,
        invalid: job.invalid_votes,
        quorum: job.terms.attestation_quorum,
    };
    let challenge = |out: &mut Vec<Possible>| {
        out.push(Possible::new(Client, Dispute, true).until(job.challenge_deadline));
        out.push(
            Possible::new(Attestors, Attest, true)
                .until(job.challenge_deadline)
                .note(votes),
        );
    };
    let expiry = |out: &mut Vec<Possible>, deadline: i64, reason: ExpireReason| {
        out.push(
            Possible::new(Anyone, Expire, job.expire_reason(now) == Some(reason))
                .after(deadline)
                .note(Note::Expiry(reason)),
        );
    };
    match job.state {
        JobState::Open => {
            out.push(Possible::new(Client, Cancel, true).note(Note::FullRefund));
            if now <= job.accept_deadline {
                out.push(
                    Possible::new(Provider, Accept, !accept_paused)
                        .until(job.accept_deadline)
                        .note(Note::AcceptRequirements {
                            target: job.target_provider,
                            paused: accept_paused,
                        }),
                );
            }
            expiry(&mut out, job.accept_deadline, ExpireReason::NotAccepted);
        }
        JobState::Running => {
            if now <= job.completion_deadline {
                out.push(Possible::new(Provider, Submit, true).until(job.completion_deadline));
            }
            expiry(
                &mut out,
                job.completion_deadline,
                ExpireReason::NotSubmitted,
            );
        }
        JobState::Submitted => {
            let open = now <= job.challenge_deadline;
            let pending = job.audit == AuditDraw::Pending;
            let pays = Note::Pays {
                units: job.reported_units,
            };
            match draw {
                Draw::NotSelected => {
                    out.push(Possible::new(Client, Approve, true).note(pays));
                    if open {
                        challenge(&mut out);
                    }
                    out.push(
                        Possible::new(Anyone, Settle, job.check_crank_settle(now).is_ok())
                            .after(job.challenge_deadline)
                            .note(pays),
                    );
                    if pending {
                        out.push(
                            Possible::new(Anyone, DrawAudit, true).note(Note::DrawNotSelected),
                        );
                    }
                }
                Draw::NotReady => {
                    out.push(Possible::new(Client, Approve, false).note(Note::NeedsLaterSlot));
                    if open {
                        challenge(&mut out);
                    }
                    out.push(
                        Possible::new(Anyone, Settle, false)
                            .after(job.challenge_deadline)
                            .note(Note::NeedsLaterSlot),
                    );
                    out.push(Possible::new(Anyone, DrawAudit, false).note(Note::NeedsLaterSlot));
                }
                Draw::Selected if pending => {
                    // Approve and settle would only record the selection; draw-audit says so.
                    out.push(Possible::new(Anyone, DrawAudit, true).note(Note::DrawSelects));
                    if open {
                        challenge(&mut out);
                    } else {
                        // The vote itself records the selection, which opens voting for
                        // dispute_seconds from now.
                        out.push(Possible::new(Attestors, Attest, true).note(
                            Note::SelectionOpensVoting {
                                seconds: job.terms.dispute_seconds,
                            },
                        ));
                    }
                }
                Draw::Selected => {
                    if open {
                        out.push(
                            Possible::new(Client, Dispute, true).until(job.challenge_deadline),
                        );
                    }
                    out.push(
                        Possible::new(Attestors, Attest, now <= job.vote_deadline)
                            .until(job.vote_deadline)
                            .note(votes),
                    );
                    expiry(&mut out, job.vote_deadline, ExpireReason::NoQuorum);
                }
            }
        }
        JobState::Disputed => {
            out.push(
                Possible::new(Attestors, Attest, now <= job.vote_deadline)
                    .until(job.vote_deadline)
                    .note(votes),
            );
            expiry(&mut out, job.vote_deadline, ExpireReason::NoQuorum);
            if job.audit == AuditDraw::Pending && draw != Draw::NotReady {
                out.push(Possible::new(Anyone, DrawAudit, true).note(Note::DrawForStatistics));
            }
        }
    }
    // Actions whose window has closed are not listed.
    out.retain(|a| a.now || a.until.is_none_or(|u| now <= u));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::job::tests::job;

    fn actions(job: &Job, draw: Draw, now: i64) -> Vec<(Role, Action, bool)> {
        possible_actions(job, draw, false, now)
            .into_iter()
            .map(|p| (p.who, p.action, p.now))
            .collect()
    }

    #[test]
    fn open_job_at_its_deadline_and_after() {
        let mut j = job(1, 1, 0);
        j.state = JobState::Open;
        j.accept_deadline = 100;
        assert_eq!(
            actions(&j, Draw::NotReady, 100),
            vec![
                (Role::Client, Action::Cancel, true),
                (Role::Provider, Action::Accept, true),
                (Role::Anyone, Action::Expire, false),
            ]
        );
        assert_eq!(
            actions(&j, Draw::NotReady, 101),
            vec![
                (Role::Client, Action::Cancel, true),
                (Role::Anyone, Action::Expire, true),
            ]
        );
        let paused = possible_actions(&j, Draw::NotReady, true, 50);
        assert!(!paused[1].now);
    }

    #[test]
    fn submitted_job_follows_the_draw_and_the_window() {
        let mut j = job(1, 10, 5);
        j.audit = AuditDraw::Pending;
        j.challenge_deadline = 100;
        j.terms.dispute_seconds = 50;
        assert_eq!(
            actions(&j, Draw::NotSelected, 100),
            vec![
                (Role::Client, Action::Approve, true),
                (Role::Client, Action::Dispute, true),
                (Role::Attestors, Action::Attest, true),
                (Role::Anyone, Action::Settle, false),
                (Role::Anyone, Action::DrawAudit, true),
            ]
        );
        assert_eq!(
            actions(&j, Draw::NotSelected, 101),
            vec![
                (Role::Client, Action::Approve, true),
                (Role::Anyone, Action::Settle, true),
                (Role::Anyone, Action::DrawAudit, true),
            ]
        );
        // A pending selection after the window: the vote records it and counts.
        let late = possible_actions(&j, Draw::Selected, false, 101);
        assert_eq!(late[1].action, Action::Attest);
        assert_eq!(late[1].note, Note::SelectionOpensVoting { seconds: 50 });
        j.audit = AuditDraw::Selected;
        j.vote_deadline = 150;
        assert_eq!(
            actions(&j, Draw::Selected, 151),
            vec![(Role::Anyone, Action::Expire, true)]
        );
    }
}
