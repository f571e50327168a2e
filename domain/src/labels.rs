//! Labels: admin-defined, coloured tags a task carries any number of (up
//! to [`MAX_LABELS`], so a task write with its label copies still fits one
//! DynamoDB transaction).
//!
//! Colours are a fixed palette rather than free hex values: each has a
//! light-mode and a dark-mode pair whose text contrast is checked here
//! against WCAG AA (4.5:1), so no admin choice can make a label unreadable.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::ids::LabelId;
use crate::model::ParseEnumError;
use crate::text::LabelName;

/// The most labels one task carries.
pub const MAX_LABELS: usize = 10;
/// The most labels a team defines: the label list is one small read.
pub const MAX_DEFINED_LABELS: usize = 100;

wire_enum!(
    /// A label's colour, from a palette readable in light and dark mode.
    LabelColor, "label colour" {
        Gray => "GRAY",
        Red => "RED",
        Orange => "ORANGE",
        Yellow => "YELLOW",
        Green => "GREEN",
        Teal => "TEAL",
        Blue => "BLUE",
        Purple => "PURPLE",
        Pink => "PINK",
    }
);

/// Background and text colours, as `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Swatch {
    pub background: &'static str,
    pub text: &'static str,
}

impl LabelColor {
    pub const fn label(self) -> &'static str {
        match self {
            LabelColor::Gray => "Gray",
            LabelColor::Red => "Red",
            LabelColor::Orange => "Orange",
            LabelColor::Yellow => "Yellow",
            LabelColor::Green => "Green",
            LabelColor::Teal => "Teal",
            LabelColor::Blue => "Blue",
            LabelColor::Purple => "Purple",
            LabelColor::Pink => "Pink",
        }
    }

    /// (light mode, dark mode).
    pub const fn swatches(self) -> (Swatch, Swatch) {
        const fn s(background: &'static str, text: &'static str) -> Swatch {
            Swatch { background, text }
        }
        match self {
            LabelColor::Gray => (s("#e5e7eb", "#1f2937"), s("#374151", "#f3f4f6")),
            LabelColor::Red => (s("#fee2e2", "#991b1b"), s("#7f1d1d", "#fee2e2")),
            LabelColor::Orange => (s("#ffedd5", "#9a3412"), s("#7c2d12", "#ffedd5")),
            LabelColor::Yellow => (s("#fef9c3", "#854d0e"), s("#713f12", "#fef9c3")),
            LabelColor::Green => (s("#dcfce7", "#166534"), s("#14532d", "#dcfce7")),
            LabelColor::Teal => (s("#ccfbf1", "#115e59"), s("#134e4a", "#ccfbf1")),
            LabelColor::Blue => (s("#dbeafe", "#1e40af"), s("#1e3a8a", "#dbeafe")),
            LabelColor::Purple => (s("#ede9fe", "#5b21b6"), s("#4c1d95", "#ede9fe")),
            LabelColor::Pink => (s("#fce7f3", "#9d174d"), s("#831843", "#fce7f3")),
        }
    }

    /// The class a chip of this colour carries.
    pub fn class(self) -> String {
        format!("label-{}", self.as_str().to_lowercase())
    }

    /// The stylesheet rules for every colour; `style/main.css` holds
    /// exactly this text (checked by a test in `app`).
    pub fn css() -> String {
        let rule = |c: LabelColor, s: Swatch| {
            format!(
                ".{}{{background:{};color:{}}}\n",
                c.class(),
                s.background,
                s.text
            )
        };
        let light: String = Self::ALL.iter().map(|c| rule(*c, c.swatches().0)).collect();
        let dark: String = Self::ALL.iter().map(|c| rule(*c, c.swatches().1)).collect();
        format!("{light}@media (prefers-color-scheme: dark) {{\n{dark}}}\n")
    }
}

/// A label as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Label {
    pub id: LabelId,
    pub name: LabelName,
    pub color: LabelColor,
    pub version: u64,
}

/// A task's labels as a form or a store write gives them: sorted, without
/// duplicates, at most [`MAX_LABELS`].
pub fn check_labels(ids: &[LabelId]) -> Result<Vec<LabelId>, crate::ValidationError> {
    let mut v = ids.to_vec();
    v.sort();
    v.dedup();
    if v.len() > MAX_LABELS {
        return Err(crate::ValidationError::Invalid {
            field: "labels",
            reason: "a task may carry at most 10 labels",
        });
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn luminance(hex: &str) -> f64 {
        let c = |i: usize| {
            let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * c(1) + 0.7152 * c(3) + 0.0722 * c(5)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn every_colour_keeps_its_text_readable_in_both_modes() {
        for c in LabelColor::ALL {
            let (light, dark) = c.swatches();
            for (mode, s) in [("light", light), ("dark", dark)] {
                let ratio = contrast(s.background, s.text);
                assert!(ratio >= 4.5, "{c:?} in {mode} mode: {ratio:.2}:1");
            }
        }
        // The check itself can fail: black on dark grey does.
        assert!(contrast("#374151", "#000000") < 4.5);
    }

    #[test]
    fn labels_are_sorted_deduplicated_and_bounded() {
        use uuid::Uuid;
        let id = |n| LabelId::from_uuid(Uuid::from_u128(n));
        assert_eq!(
            check_labels(&[id(2), id(1), id(2)]).unwrap(),
            vec![id(1), id(2)]
        );
        let many: Vec<_> = (0..=MAX_LABELS as u128).map(id).collect();
        assert!(check_labels(&many).is_err());
        assert!(LabelColor::css().contains(".label-red{background:#fee2e2;color:#991b1b}"));
    }
}
