//! Words: how text is folded and split into tokens, how a query token
//! matches an event's (see "Text" in the [parent module](super)), and an
//! event's weighted words.

use std::collections::{HashMap, HashSet};

use crate::catalog::Event;

/// Field weights (see the module docs).
pub(super) const TITLE_WEIGHT: f32 = 3.0;
pub(super) const PERFORMER_WEIGHT: f32 = 2.0;
pub(super) const GENRE_WEIGHT: f32 = 1.5;
pub(super) const VENUE_WEIGHT: f32 = 1.0;
pub(super) const DESCRIPTION_WEIGHT: f32 = 0.5;

/// Match qualities (see the module docs).
pub(super) const EXACT: f32 = 1.0;
pub(super) const PREFIX: f32 = 0.8;
pub(super) const ONE_TYPO: f32 = 0.6;
pub(super) const TWO_TYPOS: f32 = 0.4;

/// One event's searchable words with their field weights, for stores that
/// score candidates themselves with the same rules as [`SearchIndex`](super::SearchIndex).
#[derive(Debug, Clone, Default)]
pub struct EventText {
    tokens: HashMap<Box<str>, f32>,
}

impl EventText {
    /// The words of `event`, its performers' names and the names of the
    /// venues it plays at.
    pub fn new(event: &Event, performer_names: &[String], venue_names: &[String]) -> Self {
        let mut tokens = HashMap::new();
        add_field(&mut tokens, &event.title, TITLE_WEIGHT);
        for name in performer_names {
            add_field(&mut tokens, name, PERFORMER_WEIGHT);
        }
        for genre in &event.genres {
            add_field(&mut tokens, genre, GENRE_WEIGHT);
        }
        for name in venue_names {
            add_field(&mut tokens, name, VENUE_WEIGHT);
        }
        add_field(&mut tokens, &event.description, DESCRIPTION_WEIGHT);
        Self { tokens }
    }

    /// The relevance of `text` for this event, or `None` unless every word of
    /// `text` matches (blank text scores 0).
    pub fn score(&self, text: &str) -> Option<f32> {
        let mut words = tokenize(text);
        let mut seen = HashSet::new();
        words.retain(|w| seen.insert(w.clone()));
        if text.trim().is_empty() {
            return Some(0.0);
        }
        if words.is_empty() {
            return None;
        }
        words.iter().try_fold(0.0, |sum, word| {
            let token = QueryToken::new(word);
            let best = self
                .tokens
                .iter()
                .filter_map(|(candidate, weight)| {
                    Some(
                        token.quality(
                            candidate,
                            candidate.chars().count(),
                            char_mask(candidate),
                        )? * weight,
                    )
                })
                .reduce(f32::max)?;
            Some(sum + best)
        })
    }
}

/// The words of `text` as search compares them: lowercased, combining marks
/// dropped, common Latin diacritics folded, split at non-alphanumerics.
pub fn words(text: &str) -> Vec<String> {
    tokenize(text)
}

/// A query token with what matching it needs.
pub(super) struct QueryToken<'q> {
    pub(super) text: &'q str,
    pub(super) chars: usize,
    pub(super) mask: u64,
    /// Edits a typo match may need: 0 below 4 characters, 1 up to 7, else 2.
    pub(super) max_typos: usize,
}

impl<'q> QueryToken<'q> {
    pub(super) fn new(text: &'q str) -> Self {
        let chars = text.chars().count();
        Self {
            text,
            chars,
            mask: char_mask(text),
            max_typos: match chars {
                0..=3 => 0,
                4..=7 => 1,
                _ => 2,
            },
        }
    }

    /// How well this token matches the document token `candidate` (of
    /// `chars` characters and [`char_mask`] `mask`), if at all.
    pub(super) fn quality(&self, candidate: &str, chars: usize, mask: u64) -> Option<f32> {
        if candidate == self.text {
            Some(EXACT)
        } else if self.chars >= 2 && candidate.starts_with(self.text) {
            Some(PREFIX)
        } else if self.may_be_typo(chars, mask) {
            self.typo_quality(candidate)
        } else {
            None
        }
    }

    /// Whether a token of `chars` characters and [`char_mask`] `mask` can
    /// be within this token's allowed typos: a cheap test that rules most
    /// tokens out before [`Self::typo_quality`].
    pub(super) fn may_be_typo(&self, chars: usize, mask: u64) -> bool {
        self.max_typos > 0
            && chars.abs_diff(self.chars) <= self.max_typos
            && (mask & !self.mask).count_ones() as usize <= self.max_typos
            && (self.mask & !mask).count_ones() as usize <= self.max_typos
    }

    /// The typo quality against `candidate`, if it is 1 or 2 (allowed) edits
    /// away.
    pub(super) fn typo_quality(&self, candidate: &str) -> Option<f32> {
        match strsim::osa_distance(self.text, candidate) {
            1 if self.max_typos >= 1 => Some(ONE_TYPO),
            2 if self.max_typos >= 2 => Some(TWO_TYPOS),
            _ => None,
        }
    }
}

/// Adds the tokens of `text` with `weight`, keeping each token's best weight.
pub(super) fn add_field(tokens: &mut HashMap<Box<str>, f32>, text: &str, weight: f32) {
    for token in tokenize(text) {
        let slot = tokens.entry(token.into_boxed_str()).or_insert(weight);
        if weight > *slot {
            *slot = weight;
        }
    }
}

/// Lowercases, drops combining marks, folds Latin diacritics and splits at
/// non-alphanumeric characters.
pub(super) fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        for lower in c.to_lowercase() {
            if is_combining_mark(lower) {
                continue;
            }
            if lower.is_alphanumeric() {
                push_folded(lower, &mut current);
            } else if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// Combining diacritical marks (as left by decomposed text such as `e\u{301}`).
pub(super) fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// Pushes `c` (lowercase) with common Latin diacritics removed.
pub(super) fn push_folded(c: char, out: &mut String) {
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(folded);
}

/// A 64-bit set of the token's characters (hashed by code point). Two tokens
/// within `d` edits differ in at most `d` characters each way, so more
/// differing bits rule a candidate out without computing the distance.
pub(super) fn char_mask(token: &str) -> u64 {
    token
        .chars()
        .fold(0, |mask, c| mask | 1u64 << (u32::from(c) % 64))
}
