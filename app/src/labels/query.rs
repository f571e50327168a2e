//! The label list, read once per page and looked up by id.

use std::collections::HashMap;

use domain::{Label, LabelId};

use super::model::LabelView;

pub fn view(l: &Label) -> LabelView {
    LabelView {
        id: l.id.to_string(),
        name: l.name.as_str().to_owned(),
        color: l.color.as_str().to_owned(),
        class: l.color.class(),
        version: l.version,
    }
}

/// Every defined label, so a page shows a task's labels without a read per
/// task; ids of deleted labels are skipped.
pub struct Labels(HashMap<LabelId, LabelView>, Vec<LabelView>);

impl Labels {
    pub fn new(all: &[Label]) -> Labels {
        let views: Vec<LabelView> = all.iter().map(view).collect();
        let map = all
            .iter()
            .map(|l| l.id)
            .zip(views.iter().cloned())
            .collect();
        Labels(map, views)
    }

    pub fn of(&self, ids: &[LabelId]) -> Vec<LabelView> {
        ids.iter()
            .filter_map(|id| self.0.get(id).cloned())
            .collect()
    }

    pub fn all(&self) -> Vec<LabelView> {
        self.1.clone()
    }

    /// The search for these words (`domain::search`): each with the labels
    /// whose names it finds, so typing a label's name finds its tasks.
    pub fn search(&self, words: &[domain::search::SearchWord]) -> store::TextSearch {
        store::TextSearch {
            terms: words
                .iter()
                .map(|word| store::SearchTerm {
                    labels: self
                        .0
                        .iter()
                        .filter(|(_, v)| word.finds_in(&v.name))
                        .map(|(id, _)| *id)
                        .collect(),
                    word: word.clone(),
                })
                .collect(),
        }
    }

    /// The ids a form ticked, each one a defined label.
    pub fn parse_form(&self, raw: &[String]) -> Result<Vec<LabelId>, crate::error::AppError> {
        let ids = raw
            .iter()
            .filter(|r| !r.trim().is_empty())
            .map(|r| {
                LabelId::parse(r)
                    .ok()
                    .filter(|id| self.0.contains_key(id))
                    .ok_or_else(|| crate::error::AppError::invalid("Unknown label."))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(domain::check_labels(&ids)?)
    }
}

#[cfg(test)]
mod tests {
    /// The stylesheet colours every label exactly as the contrast-checked
    /// palette in `domain` says.
    #[test]
    fn the_stylesheet_holds_the_checked_palette() {
        let css = include_str!("../../../style/main.css");
        assert!(
            css.contains(&domain::LabelColor::css()),
            "regenerate the label rules in style/main.css from domain::LabelColor::css()"
        );
    }
}
