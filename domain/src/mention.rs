//! `@handle` mentions in comments.
//!
//! A person's handle is the part of their email before the `@`, which is
//! already unique-ish, lowercased and known to everyone who mails them;
//! display names are free text (spaces, duplicates, any script) and would
//! need a second, editable identifier. A handle that two people share
//! names nobody (see [`resolve`]): a mention must never reach the wrong
//! person, and writing the comment says nothing about who is on the team.
//!
//! Only ASCII letters, digits and `. _ + -` make up a handle in text, so an
//! address typed into a comment (`ada@example.com`) is not a mention (the
//! `@` follows a word character), a sentence may end right after one
//! (`thanks @ada.`), and markup such as `@<img>` is never one.

use std::ops::Range;

use crate::{Email, UserId};

/// The most mentions one comment resolves: beyond that the rest stay text,
/// so a comment cannot page the whole team.
pub const MAX_MENTIONS: usize = 20;

fn handle_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-')
}

/// The handle other people write to mention the owner of `email`; `None`
/// when its local part has characters a mention cannot carry.
pub fn handle_of(email: &Email) -> Option<String> {
    let local = email.as_str().split_once('@')?.0;
    (!local.is_empty() && local.chars().all(handle_char)).then(|| local.to_ascii_lowercase())
}

/// Where each `@handle` sits in `body` (the range covers the `@`), with
/// its handle lowercased.
pub fn mentions_in(body: &str) -> Vec<(Range<usize>, String)> {
    let mut found = Vec::new();
    let mut prev: Option<char> = None;
    let mut iter = body.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let starts =
            c == '@' && !prev.is_some_and(|p| p.is_alphanumeric() || p == '@' || handle_char(p));
        prev = Some(c);
        if !starts {
            continue;
        }
        let from = i + 1;
        let mut to = from;
        while let Some(&(j, d)) = iter.peek() {
            if !handle_char(d) {
                break;
            }
            to = j + d.len_utf8();
            prev = Some(d);
            iter.next();
        }
        // Sentence punctuation after a handle is not part of it.
        let handle = body[from..to].trim_end_matches(['.', '-', '+', '_']);
        if !handle.is_empty() {
            found.push((i..from + handle.len(), handle.to_ascii_lowercase()));
        }
    }
    found
}

/// The people `body` mentions, in order of first mention, at most
/// [`MAX_MENTIONS`]. `people` is who could be mentioned (handle, id, and
/// whether they may see the task); a handle that several of them share is
/// ambiguous and resolves to nobody, as does one of a person who may not
/// see the task (their name stays plain text).
pub fn resolve(body: &str, people: &[(String, UserId, bool)]) -> Vec<UserId> {
    let mut out = Vec::new();
    for (_, handle) in mentions_in(body) {
        let mut owners = people.iter().filter(|(h, _, _)| *h == handle);
        let (Some((_, id, visible)), None) = (owners.next(), owners.next()) else {
            continue;
        };
        if *visible && !out.contains(id) {
            out.push(*id);
            if out.len() == MAX_MENTIONS {
                break;
            }
        }
    }
    out
}

/// A piece of a comment as shown: text, or a mention of someone who was
/// notified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment<'a> {
    pub text: &'a str,
    pub mention: bool,
}

/// `body` cut into text and mentions; `mentioned(handle)` says which
/// handles name someone the comment notified.
pub fn segments<'a>(body: &'a str, mentioned: impl Fn(&str) -> bool) -> Vec<Segment<'a>> {
    let mut out = Vec::new();
    let mut at = 0;
    for (range, handle) in mentions_in(body) {
        if !mentioned(&handle) {
            continue;
        }
        if range.start > at {
            out.push(Segment {
                text: &body[at..range.start],
                mention: false,
            });
        }
        out.push(Segment {
            text: &body[range.clone()],
            mention: true,
        });
        at = range.end;
    }
    if at < body.len() || out.is_empty() {
        out.push(Segment {
            text: &body[at..],
            mention: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handles(body: &str) -> Vec<String> {
        mentions_in(body).into_iter().map(|(_, h)| h).collect()
    }

    #[test]
    fn finds_handles_but_not_addresses_or_markup() {
        assert_eq!(handles("hi @Ada, and @bob.smith."), ["ada", "bob.smith"]);
        assert_eq!(handles("mail ada@example.com"), Vec::<String>::new());
        assert_eq!(
            handles("@<img src=x onerror=alert(1)>"),
            Vec::<String>::new()
        );
        assert_eq!(handles("(@ada) @@bob é@carl"), ["ada"]);
        assert_eq!(handles("@"), Vec::<String>::new());
        assert_eq!(handles("line\n@ada"), ["ada"]);
    }

    #[test]
    fn handle_of_email_local_part() {
        let e = |s| Email::parse(s).unwrap();
        assert_eq!(handle_of(&e("Ada.L@Example.com")).as_deref(), Some("ada.l"));
        assert_eq!(handle_of(&e("we<ird@example.com")), None);
    }

    #[test]
    fn resolves_unique_visible_handles_once() {
        let (a, b, c, d) = (
            UserId::from_uuid(uuid::Uuid::from_u128(1)),
            UserId::from_uuid(uuid::Uuid::from_u128(2)),
            UserId::from_uuid(uuid::Uuid::from_u128(3)),
            UserId::from_uuid(uuid::Uuid::from_u128(4)),
        );
        let people = vec![
            ("ada".to_owned(), a, true),
            ("bob".to_owned(), b, false),
            ("twin".to_owned(), c, true),
            ("twin".to_owned(), d, true),
        ];
        assert_eq!(resolve("@ada @ADA @bob @twin @nobody", &people), [a]);
    }

    #[test]
    fn segments_mark_only_notified_mentions() {
        let s = segments("hi @ada and @bob!", |h| h == "ada");
        assert_eq!(
            s,
            [
                Segment {
                    text: "hi ",
                    mention: false
                },
                Segment {
                    text: "@ada",
                    mention: true
                },
                Segment {
                    text: " and @bob!",
                    mention: false
                },
            ]
        );
        let joined: String = s.iter().map(|s| s.text).collect();
        assert_eq!(joined, "hi @ada and @bob!");
    }
}
