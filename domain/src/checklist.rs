//! A task's checklist: ordered items, each done or not.
//!
//! The list lives inside the task item rather than as one item per entry:
//! a tick is then one version-checked write of the task (two people ticking
//! at once get a clean 409, never a lost tick), the whole list is read with
//! the task, and a task write's transaction does not grow with the list.
//! The bound keeps the task item far below DynamoDB's 400 KB.

use serde::{Deserialize, Serialize};

use crate::text::{CheckText, ValidationError};

/// The most items one task's checklist holds.
pub const MAX_CHECKLIST: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckItem {
    pub text: CheckText,
    #[serde(default)]
    pub done: bool,
}

/// At most [`MAX_CHECKLIST`] items, in the order the admin wrote them.
/// Deserialisation goes through the same bound as the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<CheckItem>", into = "Vec<CheckItem>")]
pub struct Checklist(Vec<CheckItem>);

/// "3 of 5 done", copied onto list rows so a card shows it without the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub done: u16,
    pub total: u16,
}

impl TryFrom<Vec<CheckItem>> for Checklist {
    type Error = ValidationError;
    fn try_from(items: Vec<CheckItem>) -> Result<Self, Self::Error> {
        if items.len() > MAX_CHECKLIST {
            return Err(ValidationError::Invalid {
                field: "checklist",
                reason: "it may hold at most 50 items",
            });
        }
        Ok(Checklist(items))
    }
}

impl From<Checklist> for Vec<CheckItem> {
    fn from(c: Checklist) -> Self {
        c.0
    }
}

impl Checklist {
    /// The checklist an edit form describes: one item per non-blank line,
    /// in order. An item keeps its tick when `current` has a done item
    /// with the same text (each done item lends its tick once), so an
    /// admin reordering or adding lines does not undo members' work.
    pub fn from_lines(text: &str, current: &Checklist) -> Result<Checklist, ValidationError> {
        let mut done_left: Vec<&CheckText> = current
            .0
            .iter()
            .filter(|i| i.done)
            .map(|i| &i.text)
            .collect();
        let items = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let text = CheckText::parse(l)?;
                let done = match done_left.iter().position(|t| **t == text) {
                    Some(i) => {
                        done_left.swap_remove(i);
                        true
                    }
                    None => false,
                };
                Ok(CheckItem { text, done })
            })
            .collect::<Result<Vec<_>, ValidationError>>()?;
        Checklist::try_from(items)
    }

    /// The text an edit form shows: one item per line.
    pub fn to_lines(&self) -> String {
        self.0
            .iter()
            .map(|i| i.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The list with item `index` set to `done`; `None` if there is no
    /// such item (the caller read a version that no longer matches).
    pub fn ticked(&self, index: usize, done: bool) -> Option<Checklist> {
        let mut next = self.clone();
        next.0.get_mut(index)?.done = done;
        Some(next)
    }

    /// The same items, none done: a new occurrence of a recurring task.
    pub fn fresh(&self) -> Checklist {
        Checklist(
            self.0
                .iter()
                .map(|i| CheckItem {
                    text: i.text.clone(),
                    done: false,
                })
                .collect(),
        )
    }

    /// `None` for a task without a checklist.
    pub fn progress(&self) -> Option<Progress> {
        (!self.0.is_empty()).then(|| Progress {
            done: self.0.iter().filter(|i| i.done).count() as u16,
            total: self.0.len() as u16,
        })
    }

    pub fn items(&self) -> &[CheckItem] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn list(lines: &str) -> Checklist {
        Checklist::from_lines(lines, &Checklist::default()).unwrap()
    }

    #[test]
    fn lines_become_items_in_order_skipping_blanks() {
        let c = list("  Draft \n\n Review\r\nShip");
        let texts: Vec<_> = c.items().iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, ["Draft", "Review", "Ship"]);
        assert_eq!(c.progress(), Some(Progress { done: 0, total: 3 }));
        assert_eq!(Checklist::default().progress(), None);
    }

    #[test]
    fn an_edit_keeps_ticks_of_items_it_keeps_even_when_moved() {
        let c = list("Draft\nReview\nShip").ticked(1, true).unwrap();
        let edited = Checklist::from_lines("Ship\nReview\nPublish", &c).unwrap();
        let done: Vec<_> = edited.items().iter().map(|i| i.done).collect();
        assert_eq!(done, [false, true, false]);
    }

    #[test]
    fn a_duplicate_line_takes_a_tick_once() {
        let c = list("Test\nTest").ticked(0, true).unwrap();
        let edited = Checklist::from_lines("Test\nTest\nTest", &c).unwrap();
        assert_eq!(edited.progress(), Some(Progress { done: 1, total: 3 }));
    }

    #[test]
    fn bounds_hold_on_forms_and_on_stored_json() {
        let many = (0..=MAX_CHECKLIST)
            .map(|i| format!("item {i}\n"))
            .collect::<String>();
        assert!(Checklist::from_lines(&many, &Checklist::default()).is_err());
        let long = "x".repeat(CheckText::MAX + 1);
        assert!(Checklist::from_lines(&long, &Checklist::default()).is_err());
        assert!(Checklist::from_lines("a\u{7}b", &Checklist::default()).is_err());
        let json: Vec<_> = (0..=MAX_CHECKLIST)
            .map(|i| serde_json::json!({"text": format!("i{i}"), "done": false}))
            .collect();
        assert!(serde_json::from_value::<Checklist>(json.into()).is_err());
    }

    #[test]
    fn ticking_a_missing_item_is_refused() {
        assert!(list("One").ticked(1, true).is_none());
    }

    proptest! {
        #[test]
        fn fresh_keeps_the_items_and_clears_every_tick(ticks in prop::collection::vec(any::<bool>(), 1..20)) {
            let lines = (0..ticks.len()).map(|i| format!("step {i}")).collect::<Vec<_>>().join("\n");
            let mut c = list(&lines);
            for (i, t) in ticks.iter().enumerate() {
                c = c.ticked(i, *t).unwrap();
            }
            let f = c.fresh();
            prop_assert_eq!(f.to_lines(), c.to_lines());
            prop_assert_eq!(f.progress().unwrap().done, 0);
            let round = Checklist::from_lines(&c.to_lines(), &c).unwrap();
            prop_assert_eq!(round, c);
        }
    }
}
