//! The index's vocabulary: every token of the indexed text as a numbered
//! term, with the events containing it (postings), and the terms a query
//! token matches.

use std::collections::BTreeMap;
use std::ops::Bound;

use super::{EXACT, PREFIX, QueryToken, char_mask};

/// A term's number.
pub(super) type TermId = u32;

/// An event's number in the index (its slot).
pub(super) type Slot = u32;

/// One event containing a term, with the best weight of the fields the term
/// is in (when it was posted).
#[derive(Debug, Clone, Copy)]
pub(super) struct Posting {
    pub(super) slot: Slot,
    pub(super) weight: f32,
}

/// What the typo scan reads of a term: enough to rule most terms out without
/// looking at their text.
#[derive(Debug, Clone, Copy)]
struct Shape {
    chars: u32,
    mask: u64,
}

/// Terms and their postings.
///
/// Postings are unordered and may list an event more than once: a weight
/// raised later (a venue's name repeating a word of the description) is
/// another posting rather than a search through the list, and every reader
/// takes the best. Terms are never dropped; a term without postings matches
/// nothing.
#[derive(Debug, Default)]
pub(super) struct Vocabulary {
    ids: BTreeMap<Box<str>, TermId>,
    texts: Vec<Box<str>>,
    shapes: Vec<Shape>,
    postings: Vec<Vec<Posting>>,
}

/// Above this many postings per event slot, collecting a token's matches
/// into a dense array beats sorting them.
const DENSE_SHARE: usize = 8;

impl Vocabulary {
    /// The id of `token`, numbering it if new.
    pub(super) fn intern(&mut self, token: &str) -> TermId {
        if let Some(id) = self.ids.get(token) {
            return *id;
        }
        let id = TermId::try_from(self.texts.len()).unwrap_or(TermId::MAX);
        self.ids.insert(token.into(), id);
        self.texts.push(token.into());
        self.shapes.push(Shape {
            chars: u32::try_from(token.chars().count()).unwrap_or(u32::MAX),
            mask: char_mask(token),
        });
        self.postings.push(Vec::new());
        id
    }

    /// Records that event `slot` contains `term` with `weight`.
    pub(super) fn post(&mut self, term: TermId, slot: Slot, weight: f32) {
        if let Some(postings) = self.postings.get_mut(term as usize) {
            postings.push(Posting { slot, weight });
        }
    }

    /// Forgets every posting of event `slot` under `term`.
    pub(super) fn unpost(&mut self, term: TermId, slot: Slot) {
        if let Some(postings) = self.postings.get_mut(term as usize) {
            postings.retain(|p| p.slot != slot);
        }
    }

    /// Postings of `term`.
    fn postings(&self, term: TermId) -> &[Posting] {
        self.postings.get(term as usize).map_or(&[], Vec::as_slice)
    }

    /// The terms `token` matches with their match quality, by term id: the
    /// equal term, the terms it is a prefix of, and the terms within its
    /// allowed typos (see the module docs of `search`).
    pub(super) fn matches(&self, token: &QueryToken<'_>) -> Vec<(TermId, f32)> {
        let mut found = Vec::new();
        if let Some(id) = self.ids.get(token.text) {
            found.push((*id, EXACT));
        }
        if token.chars >= 2 {
            let longer = self
                .ids
                .range::<str, _>((Bound::Excluded(token.text), Bound::Unbounded))
                .take_while(|(term, _)| term.starts_with(token.text));
            found.extend(longer.map(|(_, id)| (*id, PREFIX)));
        }
        if token.max_typos > 0 {
            for (id, shape) in self.shapes.iter().enumerate() {
                if !token.may_be_typo(shape.chars as usize, shape.mask) {
                    continue;
                }
                let text = &self.texts[id];
                // Equal and prefix terms are in already, with a better quality.
                if text.starts_with(token.text) {
                    continue;
                }
                if let Some(quality) = token.typo_quality(text) {
                    found.push((TermId::try_from(id).unwrap_or(TermId::MAX), quality));
                }
            }
        }
        found.sort_unstable_by_key(|(id, _)| *id);
        found
    }

    /// How many postings the `matched` terms have: the work of gathering
    /// them.
    pub(super) fn cost(&self, matched: &[(TermId, f32)]) -> usize {
        matched
            .iter()
            .map(|(term, _)| self.postings(*term).len())
            .sum()
    }

    /// Every event with a posting under the `matched` terms, with its best
    /// quality × weight, by slot. `slots` bounds the slots in use.
    pub(super) fn gather(&self, matched: &[(TermId, f32)], slots: usize) -> Vec<(Slot, f32)> {
        let postings = || {
            matched.iter().flat_map(|(term, quality)| {
                self.postings(*term)
                    .iter()
                    .map(move |p| (p.slot, quality * p.weight))
            })
        };
        if self.cost(matched).saturating_mul(DENSE_SHARE) >= slots {
            // Every score is above 0, so 0 means "no match".
            let mut best = vec![0f32; slots];
            for (slot, score) in postings() {
                if let Some(kept) = best.get_mut(slot as usize)
                    && score > *kept
                {
                    *kept = score;
                }
            }
            best.into_iter()
                .zip(0..)
                .filter(|(score, _)| *score > 0.0)
                .map(|(score, slot)| (slot, score))
                .collect()
        } else {
            let mut found: Vec<(Slot, f32)> = postings().collect();
            found.sort_unstable_by_key(|(slot, _)| *slot);
            found.dedup_by(|next, kept| {
                let same = next.0 == kept.0;
                if same && next.1 > kept.1 {
                    kept.1 = next.1;
                }
                same
            });
            found
        }
    }
}

/// The best quality × weight of the `matched` terms (by term id) among an
/// event's `terms` (by term id), or 0 when none is there.
pub(super) fn best_among(terms: &[(TermId, f32)], matched: &[(TermId, f32)]) -> f32 {
    // Look the shorter list up in the longer one.
    let (short, long) = if matched.len() <= terms.len() {
        (matched, terms)
    } else {
        (terms, matched)
    };
    let mut best = 0f32;
    for (term, value) in short {
        if let Ok(at) = long.binary_search_by_key(term, |(t, _)| *t) {
            let score = value * long[at].1;
            if score > best {
                best = score;
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary(words: &[(&str, Slot, f32)]) -> Vocabulary {
        let mut v = Vocabulary::default();
        for (word, slot, weight) in words {
            let term = v.intern(word);
            v.post(term, *slot, *weight);
        }
        v
    }

    #[test]
    fn interning_is_stable_and_unposting_forgets_every_weight() {
        let mut v = vocabulary(&[("jazz", 0, 3.0), ("jazz", 1, 0.5), ("jazz", 1, 1.0)]);
        let jazz = v.intern("jazz");
        assert_eq!(v.intern("jazz"), jazz);
        assert_eq!(v.gather(&[(jazz, 1.0)], 2), vec![(0, 3.0), (1, 1.0)]);
        v.unpost(jazz, 1);
        assert_eq!(v.gather(&[(jazz, 1.0)], 2), vec![(0, 3.0)]);
    }

    #[test]
    fn matches_rank_equal_over_prefix_over_typo() {
        let v = vocabulary(&[
            ("matinee", 0, 1.0),
            ("matinees", 1, 1.0),
            ("matin", 2, 1.0),
            ("mattinee", 3, 1.0),
            ("opera", 4, 1.0),
        ]);
        let id = |w: &str| v.ids[w];
        let found = v.matches(&QueryToken::new("matinee"));
        let mut expected = vec![
            (id("matinee"), EXACT),
            (id("matinees"), PREFIX),
            (id("mattinee"), super::super::tokens::ONE_TYPO),
        ];
        expected.sort_unstable_by_key(|(id, _)| *id);
        assert_eq!(found, expected);
        // Short tokens: no typos.
        assert_eq!(
            v.matches(&QueryToken::new("ope")),
            vec![(id("opera"), PREFIX)]
        );
    }

    #[test]
    fn dense_and_sorted_gathering_agree() {
        let words: Vec<(String, Slot, f32)> = (0..400u32)
            .map(|i| {
                (
                    format!("w{}", i % 7),
                    (i * 37) % 101,
                    [0.5, 1.0, 3.0][i as usize % 3],
                )
            })
            .collect();
        let refs: Vec<(&str, Slot, f32)> =
            words.iter().map(|(w, s, x)| (w.as_str(), *s, *x)).collect();
        let v = vocabulary(&refs);
        let matched = vec![(v.ids["w1"], 0.8), (v.ids["w3"], 1.0)];
        // Few slots: dense; many: sorted.
        let dense = v.gather(&matched, 101);
        let sorted = v.gather(&matched, 1_000_000);
        assert_eq!(dense, sorted);
        assert!(dense.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn best_among_looks_either_way() {
        let terms = [(1, 0.5), (4, 3.0), (9, 1.0)];
        assert_eq!(best_among(&terms, &[(4, 0.8)]), 0.8 * 3.0);
        assert_eq!(best_among(&terms, &[(2, 1.0)]), 0.0);
        let many: Vec<(TermId, f32)> = (0..20).map(|t| (t, 0.6)).collect();
        assert_eq!(best_among(&terms, &many), 0.6 * 3.0);
    }
}
