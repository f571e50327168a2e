//! The matching rules of task search, shared by both stores' index and by
//! the screens that filter a short list in memory, so a task is found by
//! the same words wherever it is looked for.
//!
//! Text is cut into words at every character that is not a letter or a
//! digit, and lowercased. A searched word of three or more characters
//! matches any word that starts with it ("plan" finds "planning"); a
//! shorter one matches only that whole word ("ui" finds "UI", not "quick"),
//! because an index of every one- and two-letter prefix would make each
//! title cost dozens of index entries. Only the first [`MAX_INDEXED_WORDS`]
//! distinct words of a title are indexed, which keeps the largest task
//! write inside one DynamoDB transaction.

/// Distinct words of a title that search can find. Finishing a repeating
/// task with the most assignees and labels writes 70 items besides search
/// entries, and moves the finished task's entries while filing its next
/// occurrence's: 70 + 2 × 15 is DynamoDB's limit of 100 items per
/// transaction (store conformance: `the_largest_task_writes_fit_one_transaction`).
pub const MAX_INDEXED_WORDS: usize = 15;
/// Words of a search that count; the rest are ignored.
pub const MAX_SEARCH_WORDS: usize = 10;
/// Searched words this long or longer match as prefixes.
pub const PREFIX_MIN_CHARS: usize = 3;

/// The distinct words of `text` in order of first appearance, lowercased,
/// at most [`MAX_INDEXED_WORDS`].
pub fn words(text: &str) -> Vec<String> {
    distinct(text, MAX_INDEXED_WORDS)
}

/// Lowercases before splitting: lowercasing can add characters that are
/// not letters (a dotted capital I gains a combining dot), and a word must
/// split the same way whether it came from a title or a search box.
fn distinct(text: &str, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text.to_lowercase().split(|c: char| !c.is_alphanumeric()) {
        if !w.is_empty() && !out.iter().any(|o| o == w) {
            out.push(w.to_owned());
            if out.len() == max {
                break;
            }
        }
    }
    out
}

/// One searched word, normalised like the indexed ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchWord(String);

impl SearchWord {
    /// The words of a search box, at most [`MAX_SEARCH_WORDS`]; punctuation
    /// splits words exactly as it does in titles, so "q3-plan" searches
    /// "q3" and "plan".
    pub fn parse_all(query: &str) -> Vec<SearchWord> {
        distinct(query, MAX_SEARCH_WORDS)
            .into_iter()
            .map(SearchWord)
            .collect()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this searched word matches as a prefix, not a whole word.
    pub fn is_prefix(&self) -> bool {
        self.0.chars().count() >= PREFIX_MIN_CHARS
    }

    /// Whether `word` (one indexed, lowercased word) is found by this one.
    pub fn finds(&self, word: &str) -> bool {
        if self.is_prefix() {
            word.starts_with(&self.0)
        } else {
            word == self.0
        }
    }

    /// Whether any word of `text` is found by this one, under the same
    /// limit of indexed words.
    pub fn finds_in(&self, text: &str) -> bool {
        words(text).iter().any(|w| self.finds(w))
    }

    /// The index bucket this word's matches sit in: its first
    /// [`PREFIX_MIN_CHARS`] characters (the whole word when shorter), so a
    /// prefix search reads one bucket and a short word reads its own.
    pub fn bucket(&self) -> &str {
        bucket(&self.0)
    }
}

/// The bucket an indexed word is filed under (see [`SearchWord::bucket`]).
pub fn bucket(word: &str) -> &str {
    match word.char_indices().nth(PREFIX_MIN_CHARS) {
        Some((i, _)) => &word[..i],
        None => word,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(s: &str) -> SearchWord {
        SearchWord::parse_all(s).remove(0)
    }

    #[test]
    fn words_split_at_punctuation_lowercase_and_dedupe() {
        assert_eq!(
            words("Q3-plan: Plan the UI, café & <script>"),
            ["q3", "plan", "the", "ui", "café", "script"]
        );
        assert!(words("  -- !! ").is_empty());
        let long: String = (0..40).map(|i| format!("w{i} ")).collect();
        assert_eq!(words(&long).len(), MAX_INDEXED_WORDS);
        assert_eq!(words(&long)[MAX_INDEXED_WORDS - 1], "w14");
    }

    #[test]
    fn long_words_match_prefixes_and_short_ones_whole_words() {
        assert!(w("plan").finds_in("Planning review"));
        assert!(w("PLA").finds_in("planning"));
        assert!(!w("lan").finds_in("planning"), "not a substring search");
        assert!(w("ui").finds_in("Fix the UI"));
        assert!(!w("ui").finds_in("quick fix"));
        assert!(!w("qu").finds_in("quick fix"));
        assert!(w("é").finds_in("é à"));
        assert!(!w("w30").finds_in(&(0..40).map(|i| format!("w{i} ")).collect::<String>()));
    }

    #[test]
    fn buckets_are_the_first_three_characters() {
        assert_eq!(bucket("planning"), "pla");
        assert_eq!(bucket("ui"), "ui");
        assert_eq!(bucket("ééééé"), "ééé");
        assert_eq!(w("Planning").bucket(), "pla");
    }

    #[test]
    fn search_words_are_capped_and_deduplicated() {
        let q: String = (0..20).map(|i| format!("word{i} word{i} ")).collect();
        let parsed = SearchWord::parse_all(&q);
        assert_eq!(parsed.len(), MAX_SEARCH_WORDS);
        assert_eq!(SearchWord::parse_all("  ,, ").len(), 0);
    }

    proptest! {
        /// Whatever the text, every word of it finds itself, each prefix of
        /// three or more characters finds it, and each indexed word sits in
        /// the bucket its own prefixes search.
        #[test]
        fn an_indexed_word_is_found_by_its_prefixes(text in "\\PC{0,80}") {
            for word in words(&text) {
                let whole = SearchWord::parse_all(&word);
                prop_assert_eq!(whole.len(), 1);
                prop_assert!(whole[0].finds_in(&text));
                let chars: Vec<char> = word.chars().collect();
                for n in PREFIX_MIN_CHARS..=chars.len() {
                    let prefix: String = chars[..n].iter().collect();
                    let sw = SearchWord::parse_all(&prefix);
                    prop_assert_eq!(sw.len(), 1, "{:?} re-splits", prefix);
                    prop_assert!(sw[0].finds(&word));
                    prop_assert_eq!(sw[0].bucket(), bucket(&word));
                }
            }
        }
    }
}
