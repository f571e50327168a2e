//! What a board search asks the store for, and how it is answered from the
//! search entries (`keys::word_items`) without reading the column.

use domain::search::SearchWord;
use domain::LabelId;
use serde::{Deserialize, Serialize};

use crate::cursor::Key;

/// A search: every term must find a word of the task's title, or name one
/// of its labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextSearch {
    pub terms: Vec<SearchTerm>,
}

/// One searched word, with the labels whose names it finds. The caller
/// resolves those from the catalog it has already read, so a renamed label
/// is found by its new name at once, with no index entry to rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    pub word: SearchWord,
    pub labels: Vec<LabelId>,
}

impl TextSearch {
    /// A search for the words of `query` that names no label: what a
    /// search is where no label's name matters (tools, tests).
    pub fn of_words(query: &str) -> TextSearch {
        TextSearch {
            terms: SearchWord::parse_all(query)
                .into_iter()
                .map(|word| SearchTerm {
                    word,
                    labels: Vec::new(),
                })
                .collect(),
        }
    }

    /// Whether a task with this title and these labels is found.
    pub fn matches(&self, title: &str, labels: &[LabelId]) -> bool {
        self.matches_words(&domain::search::words(title), labels)
    }

    /// [`TextSearch::matches`] on a title already cut into words.
    pub(crate) fn matches_words(&self, words: &[String], labels: &[LabelId]) -> bool {
        self.terms.iter().all(|t| {
            words.iter().any(|w| t.word.finds(w)) || t.labels.iter().any(|l| labels.contains(l))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The term whose matches are read; the others are checked on what it
    /// finds. A term that names no label is found by the index alone, and
    /// a longer word finds fewer tasks, so that is the one read.
    pub(crate) fn lead(&self) -> Option<&SearchTerm> {
        self.terms.iter().min_by_key(|t| {
            (
                !t.labels.is_empty(),
                std::cmp::Reverse(t.word.as_str().len()),
            )
        })
    }
}

impl SearchTerm {
    /// The first (in sort order) of a task's title words this term finds:
    /// the one entry of the task a search reports, so a task whose title
    /// has "plan" and "planning" is listed once for "pla".
    pub(crate) fn reported_word<'w>(&self, words: &'w [String]) -> Option<&'w str> {
        words
            .iter()
            .filter(|w| self.word.finds(w))
            .min()
            .map(String::as_str)
    }
}

/// Where a search stopped: in its lead word's entries (stage 0), or in
/// the copies of its lead's `stage`th label (tasks the label makes match
/// without the word); `key` is absent at the start of a stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SearchCursor {
    #[serde(rename = "st")]
    pub stage: usize,
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Key>,
}
