//! Matching a query's text: the events that match every word, with their
//! scores (see "Text" in the [parent module](super)).

#[cfg(test)]
use std::collections::HashMap;
use std::collections::HashSet;

use super::index::SearchIndex;
use super::vocabulary::{Slot, TermId, best_among};
use super::{QueryToken, tokenize};
#[cfg(test)]
use crate::ids::EventId;

/// Checking a candidate event's own terms costs about this many postings
/// (less in tests, whose catalogs are small, so they take both ways).
const PROBE_COST: usize = if cfg!(test) { 2 } else { 16 };

impl SearchIndex {
    /// Events matching every token of `text` (not blank), with their scores.
    ///
    /// Tokens are matched from the one with the fewest postings on: later
    /// ones only check the events still in, by their own terms when they
    /// are few. Scores add up in the query's token order.
    pub(super) fn match_text(&self, text: &str) -> Vec<(Slot, f32)> {
        let mut tokens = tokenize(text);
        let mut seen = HashSet::new();
        tokens.retain(|t| seen.insert(t.clone()));
        let matched: Vec<Vec<(TermId, f32)>> = tokens
            .iter()
            .map(|token| self.vocab.matches(&QueryToken::new(token)))
            .collect();
        let costs: Vec<usize> = matched.iter().map(|m| self.vocab.cost(m)).collect();
        let mut order: Vec<usize> = (0..tokens.len()).collect();
        order.sort_by_key(|at| costs[*at]);
        let Some((&first, rest)) = order.split_first() else {
            return Vec::new();
        };

        // Candidates by slot, with each token's best (by token position).
        let (mut slots, best): (Vec<Slot>, Vec<f32>) = self
            .vocab
            .gather(&matched[first], self.slots.len())
            .into_iter()
            .unzip();
        let mut bests: Vec<Option<Vec<f32>>> = vec![None; tokens.len()];
        bests[first] = Some(best);
        for &at in rest {
            if slots.is_empty() {
                return Vec::new();
            }
            let best: Vec<f32> = if slots.len().saturating_mul(PROBE_COST) < costs[at] {
                slots
                    .iter()
                    .map(|slot| self.best_in_event(*slot, &matched[at]))
                    .collect()
            } else {
                let mut postings = self
                    .vocab
                    .gather(&matched[at], self.slots.len())
                    .into_iter()
                    .peekable();
                slots
                    .iter()
                    .map(|slot| {
                        while postings.next_if(|(s, _)| s < slot).is_some() {}
                        postings.next_if(|(s, _)| s == slot).map_or(0.0, |(_, b)| b)
                    })
                    .collect()
            };
            // Only the candidates this token matches stay.
            let keep: Vec<bool> = best.iter().map(|b| *b > 0.0).collect();
            bests[at] = Some(best);
            retain_kept(&mut slots, &keep);
            for list in bests.iter_mut().flatten() {
                retain_kept(list, &keep);
            }
        }
        slots
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let score = bests
                    .iter()
                    .flatten()
                    .filter_map(|list| list.get(i).copied())
                    .reduce(|sum, best| sum + best)
                    .unwrap_or(0.0);
                (*slot, score)
            })
            .collect()
    }

    /// The best quality × weight of the `matched` terms in event `slot`'s
    /// own terms (0 when none is there).
    fn best_in_event(&self, slot: Slot, matched: &[(TermId, f32)]) -> f32 {
        self.slots
            .get(slot as usize)
            .map_or(0.0, |entry| best_among(&entry.terms, matched))
    }

    /// The best quality × weight of `token` per event in `within`, looking
    /// at each event's own terms.
    #[cfg(test)]
    pub(super) fn match_token_by_events(
        &self,
        token: &QueryToken<'_>,
        within: &HashMap<EventId, f32>,
    ) -> HashMap<EventId, f32> {
        let matched = self.vocab.matches(token);
        within
            .keys()
            .filter_map(|id| {
                let best = self.best_in_event(*self.events.get(id)?, &matched);
                (best > 0.0).then_some((*id, best))
            })
            .collect()
    }

    /// The same as [`Self::match_token_by_events`] through the postings,
    /// only for events in `within` when given.
    #[cfg(test)]
    pub(super) fn match_token_by_vocabulary(
        &self,
        token: &QueryToken<'_>,
        within: Option<&HashMap<EventId, f32>>,
    ) -> HashMap<EventId, f32> {
        let matched = self.vocab.matches(token);
        self.vocab
            .gather(&matched, self.slots.len())
            .into_iter()
            .filter_map(|(slot, best)| Some((self.slots.get(slot as usize)?.event.id, best)))
            .filter(|(id, _)| within.is_none_or(|w| w.contains_key(id)))
            .collect()
    }
}

/// Keeps the items of `list` whose flag in `keep` is set.
fn retain_kept<T>(list: &mut Vec<T>, keep: &[bool]) {
    let mut flags = keep.iter();
    list.retain(|_| flags.next().copied().unwrap_or(false));
}
