//! Labels as pages show them.

use serde::{Deserialize, Serialize};

/// A label chip: its name and the class that colours it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelView {
    pub id: String,
    pub name: String,
    /// A `LabelColor` wire name.
    pub color: String,
    /// `label-<colour>`, styled for light and dark mode in `main.css`.
    pub class: String,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelsView {
    pub labels: Vec<LabelView>,
    pub can_edit: bool,
}
