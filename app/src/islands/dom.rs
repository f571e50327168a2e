//! The islands' browser side: in-place form submission, the page morph,
//! the board's drag and drop, and the bell's refresh.
//!
//! This is imperative DOM code on purpose. The content it updates is
//! server-rendered HTML that no island owns, so the server renders the new
//! state and this code carries it into the page; the islands' own reactive
//! views are never touched by it.

//! (String building avoids `format!`: the formatting machinery is a
//! noticeable share of a bundle this small.)

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::set_interval;
use leptos::task::spawn_local;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomParser, DragEvent, Element, Event, FormData, HtmlAnchorElement, HtmlElement,
    HtmlFormElement, HtmlSelectElement, KeyboardEvent, MouseEvent, Node, RequestInit, Response,
    SubmitEvent, SupportedType, UrlSearchParams,
};

/// Dispatched on `window` after every in-place update, for the islands whose
/// state may depend on it (the bell's count, the board's announcements).
const UPDATED: &str = "tasklane:updated";

fn window() -> web_sys::Window {
    web_sys::window().expect("a browser window")
}

fn document() -> web_sys::Document {
    window().document().expect("a document")
}

/// Calls `f` on every `event` at `target`, for the life of the page (islands
/// are never unmounted).
fn listen<E: JsCast + 'static>(
    target: &web_sys::EventTarget,
    event: &str,
    f: impl FnMut(E) + 'static,
) {
    let mut f = f;
    let cb = Closure::<dyn FnMut(Event)>::new(move |ev: Event| {
        if let Ok(ev) = ev.dyn_into::<E>() {
            f(ev)
        }
    });
    let _ = target.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
    cb.forget();
}

/// An element's id attribute. Never `Element::id`: on a `<form>`, `id` is
/// its control named "id" when it has one (ours do), which is not a string
/// and breaks the binding.
fn id_of(el: &Element) -> String {
    el.get_attribute("id").unwrap_or_default()
}

fn target_element(ev: &Event) -> Option<Element> {
    ev.target()?.dyn_into::<Element>().ok()
}

/// The honest "this island works now" signal, set last.
fn mark_hydrated(el: &Element) {
    let _ = el.set_attribute("data-hydrated", "true");
}

fn closest(el: &Element, selector: &str) -> Option<Element> {
    el.closest(selector).ok().flatten()
}

fn select(el: &impl AsRef<Element>, selector: &str) -> Option<Element> {
    el.as_ref().query_selector(selector).ok().flatten()
}

fn updated_event() -> Option<Event> {
    Event::new(UPDATED).ok()
}

// --- In-place forms -------------------------------------------------------

pub fn live_forms(root: Element) {
    listen::<SubmitEvent>(&root, "submit", submit_in_place);
    mark_hydrated(&root);
}

/// Sends a POST form with `fetch` instead of navigating, then morphs the page
/// into the one the server answers with (its redirect back to this page,
/// with the action's error in the URL if it failed). Falls back to the
/// browser's own submission whenever that is not possible.
fn submit_in_place(ev: SubmitEvent) {
    let Some(form) = ev
        .target()
        .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
    else {
        return;
    };
    if ev.default_prevented()
        || !form
            .get_attribute("method")
            .is_some_and(|m| m.eq_ignore_ascii_case("post"))
        || form.has_attribute("data-reload")
    {
        return;
    }
    ev.prevent_default();
    // One submission at a time; a second click while one is on its way
    // would post the same version twice.
    if form.get_attribute("aria-busy").as_deref() == Some("true") {
        return;
    }
    let _ = form.set_attribute("aria-busy", "true");
    let submitter = ev.submitter();
    spawn_local(async move {
        match send(&form, submitter).await {
            Ok(Sent::Updated { ok }) => {
                if ok && form.is_connected() {
                    // The server's values are now the fields' defaults.
                    form.reset();
                    if let Ok(Some(saved)) = form.query_selector("[data-saved]") {
                        saved.set_text_content(saved.get_attribute("data-saved").as_deref());
                    }
                }
                if let Some(ev) = updated_event() {
                    let _ = window().dispatch_event(&ev);
                }
            }
            Ok(Sent::Navigating) => {}
            Err(_) => {
                let _ = form.remove_attribute("aria-busy");
                // Submits without firing `submit` again.
                let _ = form.submit();
            }
        }
    });
}

enum Sent {
    /// The page was morphed; `ok` is false when the action failed (the
    /// page now shows why).
    Updated { ok: bool },
    /// The answer is another page: the browser is on its way there.
    Navigating,
}

async fn send(form: &HtmlFormElement, submitter: Option<HtmlElement>) -> Result<Sent, JsValue> {
    let data = FormData::new_with_form(form)?;
    if let Some(name) = submitter
        .as_ref()
        .and_then(|s| s.get_attribute("name"))
        .filter(|n| !n.is_empty())
    {
        let value = submitter
            .and_then(|s| s.get_attribute("value"))
            .unwrap_or_default();
        data.append_with_str(&name, &value)?;
    }
    let body = UrlSearchParams::new_with_str_sequence_sequence(&data)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&body);
    // The attribute, not `form.action`: form properties can be shadowed by
    // controls of the same name. `fetch` resolves it against the page.
    let action = form.get_attribute("action").unwrap_or_default();
    let (url, html) = fetch_html(&action, &init).await?;
    let here = window().location();
    let there = web_sys::Url::new(&url)?;
    if there.pathname() != here.pathname()? {
        // Created or deleted: the server sent us somewhere else.
        here.assign(&url)?;
        return Ok(Sent::Navigating);
    }
    morph_page(&html)?;
    Ok(Sent::Updated {
        ok: !there.search().contains("__err="),
    })
}

/// Fetches `url` asking for HTML; the final URL (after redirects) and the
/// page. Anything but an HTML answer is an error, so callers fall back to
/// plain navigation and the browser shows what the server said.
async fn fetch_html(url: &str, init: &RequestInit) -> Result<(String, String), JsValue> {
    let headers = web_sys::Headers::new()?;
    headers.set("Accept", "text/html")?;
    init.set_headers(&headers);
    let resp: Response = JsFuture::from(window().fetch_with_str_and_init(url, init))
        .await?
        .dyn_into()?;
    let html_answer = resp
        .headers()
        .get("content-type")?
        .is_some_and(|t| t.starts_with("text/html"));
    if !html_answer {
        return Err(JsValue::from_str("not an HTML answer"));
    }
    let text = JsFuture::from(resp.text()?).await?;
    Ok((resp.url(), text.as_string().unwrap_or_default()))
}

fn parse(html: &str) -> Result<web_sys::Document, JsValue> {
    DomParser::new()?.parse_from_string(html, SupportedType::TextHtml)
}

/// Carries the server's new `<main>` and title into the page.
fn morph_page(html: &str) -> Result<(), JsValue> {
    let doc = document();
    let new_doc = parse(html)?;
    let (Some(old), Some(new)) = (doc.query_selector("main")?, new_doc.query_selector("main")?)
    else {
        return Err(JsValue::from_str("no <main> to morph"));
    };
    let focus = focus_anchor();
    let mut islands = Vec::new();
    morph_children(&old, &new, &mut islands);
    doc.set_title(&new_doc.title());
    restore_focus(focus);
    hydrate(islands);
    Ok(())
}

/// The id of the focused element, or of its nearest ancestor with one: where
/// focus goes back to if the morph replaced the focused element (a card that
/// moved to another column, say).
fn focus_anchor() -> Option<String> {
    let active = document().active_element()?;
    let anchor = active.closest("[id]").ok()??;
    Some(id_of(&anchor))
}

fn restore_focus(anchor: Option<String>) {
    let doc = document();
    let lost = match doc.active_element() {
        None => true,
        Some(el) => {
            !el.is_connected()
                || doc
                    .body()
                    .is_some_and(|b| el == *b.unchecked_ref::<Element>())
        }
    };
    if !lost {
        return;
    }
    if let Some(el) = anchor
        .and_then(|id| doc.get_element_by_id(&id))
        .and_then(|el| el.dyn_into::<HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Hydrates islands that arrived with new content, through the loader's
/// `__hydrateIsland` (see `islands.js`).
fn hydrate(islands: Vec<Element>) {
    let Ok(f) = js_sys::Reflect::get(&window(), &JsValue::from_str("__hydrateIsland")) else {
        return;
    };
    let Some(f) = f.dyn_ref::<js_sys::Function>() else {
        return;
    };
    for el in islands {
        let id = el.get_attribute("data-component").unwrap_or_default();
        let _ = f.call2(&JsValue::NULL, &el, &JsValue::from_str(&id));
    }
}

const ELEMENT: u16 = 1;
const ISLAND: &str = "LEPTOS-ISLAND";

/// Whether `old` can be updated into `new` rather than replaced: same kind of
/// node, same tag and id, and for islands the same component.
fn same(old: &Node, new: &Node) -> bool {
    if old.node_type() != new.node_type() {
        return false;
    }
    if old.node_type() != ELEMENT {
        return true;
    }
    let (o, n) = (
        old.unchecked_ref::<Element>(),
        new.unchecked_ref::<Element>(),
    );
    o.tag_name() == n.tag_name()
        && id_of(o) == id_of(n)
        && (o.tag_name() != ISLAND
            || o.get_attribute("data-component") == n.get_attribute("data-component"))
}

/// Makes `old`'s children look like `new`'s, keeping every node that can
/// stay (and with it focus, selection and typed text). Nodes of `new` that
/// have no counterpart are moved over; islands among them are collected
/// for hydration.
fn morph_children(old: &Node, new: &Node, islands: &mut Vec<Element>) {
    let mut cursor = old.first_child();
    let mut next_new = new.first_child();
    while let Some(n) = next_new {
        next_new = n.next_sibling();
        if let Some(o) = cursor.clone().filter(|o| same(o, &n)) {
            cursor = o.next_sibling();
            morph_node(&o, &n, islands);
            continue;
        }
        // A keyed element further on (a card that moved up, say) is moved
        // here rather than rebuilt.
        if let Some(o) = keyed_match(cursor.clone(), &n) {
            let _ = old.insert_before(&o, cursor.as_ref());
            morph_node(&o, &n, islands);
            continue;
        }
        if let Some(el) = n.dyn_ref::<Element>() {
            if el.tag_name() == ISLAND {
                islands.push(el.clone());
            } else if let Ok(found) = el.query_selector_all("leptos-island") {
                for i in 0..found.length() {
                    if let Some(e) = found.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                        islands.push(e);
                    }
                }
            }
        }
        let _ = old.insert_before(&n, cursor.as_ref());
    }
    while let Some(o) = cursor {
        cursor = o.next_sibling();
        let _ = old.remove_child(&o);
    }
}

fn keyed_match(mut cursor: Option<Node>, new: &Node) -> Option<Node> {
    let id = id_of(new.dyn_ref::<Element>()?);
    if id.is_empty() {
        return None;
    }
    while let Some(o) = cursor {
        if same(&o, new) {
            return Some(o);
        }
        cursor = o.next_sibling();
    }
    None
}

fn morph_node(old: &Node, new: &Node, islands: &mut Vec<Element>) {
    if old.node_type() != ELEMENT {
        if old.node_value() != new.node_value() {
            old.set_node_value(new.node_value().as_deref());
        }
        return;
    }
    let (o, n) = (
        old.unchecked_ref::<Element>(),
        new.unchecked_ref::<Element>(),
    );
    if o.tag_name() == ISLAND {
        // The island's own view is its code's business; only the
        // server-rendered children it wraps are updated.
        if let (Ok(Some(oc)), Ok(Some(nc))) = (
            o.query_selector("leptos-children"),
            n.query_selector("leptos-children"),
        ) {
            morph_children(&oc, &nc, islands);
        }
        return;
    }
    sync_attributes(o, n);
    morph_children(old, new, islands);
}

/// Attributes as the server sent them. Form fields follow their attributes
/// unless the user changed them, so typed text survives; the submitted form
/// is reset to the new defaults afterwards.
fn sync_attributes(old: &Element, new: &Element) {
    let attrs = new.attributes();
    for i in 0..attrs.length() {
        if let Some(a) = attrs.item(i) {
            let (name, value) = (a.name(), a.value());
            if old.get_attribute(&name).as_deref() != Some(value.as_str()) {
                let _ = old.set_attribute(&name, &value);
            }
        }
    }
    let old_attrs = old.attributes();
    let mut gone = Vec::new();
    for i in 0..old_attrs.length() {
        if let Some(a) = old_attrs.item(i) {
            if !new.has_attribute(&a.name()) {
                gone.push(a.name());
            }
        }
    }
    for name in gone {
        let _ = old.remove_attribute(&name);
    }
}

// --- The board ------------------------------------------------------------

/// What the board island remembers between events.
struct Board {
    announcer: Option<Element>,
    /// The id of the card being dragged.
    dragging: RefCell<Option<String>>,
    /// A move on its way: card id and target status.
    pending: RefCell<Option<(String, String)>>,
}

pub fn board_moves(root: Element) {
    let b = Rc::new(Board {
        announcer: select(&root, "[data-testid=announce]"),
        dragging: RefCell::new(None),
        pending: RefCell::new(None),
    });
    let bb = b.clone();
    listen::<DragEvent>(&root, "dragstart", move |ev| bb.drag_start(ev));
    let bb = b.clone();
    listen::<DragEvent>(&root, "dragover", move |ev| bb.drag_over(ev));
    listen::<DragEvent>(&root, "dragleave", drag_leave);
    let bb = b.clone();
    listen::<DragEvent>(&root, "drop", move |ev| bb.on_drop(ev));
    let bb = b.clone();
    listen::<DragEvent>(&root, "dragend", move |_| {
        bb.dragging.replace(None);
        clear_drop_targets();
    });
    let bb = b.clone();
    listen::<KeyboardEvent>(&root, "keydown", move |ev| bb.key_down(ev));
    listen::<MouseEvent>(&root, "click", load_more_click);
    listen::<Event>(&window(), UPDATED, move |_| b.after_update());
    if let Some(hint) = select(&root, "[data-hydrated-text]") {
        hint.set_text_content(hint.get_attribute("data-hydrated-text").as_deref());
    }
    mark_hydrated(&root);
}

impl Board {
    fn announce(&self, text: &str) {
        if let Some(a) = &self.announcer {
            a.set_text_content(Some(text));
        }
    }

    fn drag_start(&self, ev: DragEvent) {
        let Some(card) = target_element(&ev).and_then(|t| closest(&t, ".task-card")) else {
            return;
        };
        if let Some(dt) = ev.data_transfer() {
            dt.set_effect_allowed("move");
            let _ = dt.set_data("text/plain", &card_title(&card));
        }
        self.dragging.replace(Some(id_of(&card)));
    }

    fn drag_over(&self, ev: DragEvent) {
        if self.dragging.borrow().is_none() {
            return;
        }
        let Some(col) = target_element(&ev).and_then(|t| closest(&t, ".column")) else {
            return;
        };
        ev.prevent_default();
        if let Some(dt) = ev.data_transfer() {
            dt.set_drop_effect("move");
        }
        if !col.class_list().contains("drop-target") {
            clear_drop_targets();
            let _ = col.class_list().add_1("drop-target");
        }
    }

    fn on_drop(&self, ev: DragEvent) {
        let Some(id) = self.dragging.take() else {
            return;
        };
        ev.prevent_default();
        clear_drop_targets();
        let col = target_element(&ev).and_then(|t| closest(&t, ".column"));
        if let (Some(card), Some(col)) = (document().get_element_by_id(&id), col) {
            self.move_card(&card, &col);
        }
    }

    fn key_down(&self, ev: KeyboardEvent) {
        let step: i32 = match ev.key().as_str() {
            "ArrowRight" if ev.shift_key() => 1,
            "ArrowLeft" if ev.shift_key() => -1,
            _ => return,
        };
        let Some(card) = target_element(&ev).filter(|t| t.class_list().contains("task-card"))
        else {
            return;
        };
        ev.prevent_default();
        let Some(from) = closest(&card, ".column") else {
            return;
        };
        let Ok(columns) = document().query_selector_all(".board .column") else {
            return;
        };
        let here = (0..columns.length()).find(|i| {
            columns
                .item(*i)
                .is_some_and(|c| c.is_same_node(Some(&from)))
        });
        let Some(to) = here
            .and_then(|i| i.checked_add_signed(step))
            .and_then(|i| columns.item(i))
            .and_then(|n| n.dyn_into::<Element>().ok())
        else {
            return;
        };
        self.move_card(&card, &to);
    }

    /// Chooses `to`'s status in the card's move form and submits it; the
    /// form's options are the moves the workflow allows this user.
    fn move_card(&self, card: &Element, to: &Element) {
        let Some(from) = closest(card, ".column") else {
            return;
        };
        if from == *to {
            return;
        }
        let label = |c: &Element| c.get_attribute("data-label").unwrap_or_default();
        let status = to.get_attribute("data-status").unwrap_or_default();
        let select = select(card, "select[name=status]")
            .and_then(|s| s.dyn_into::<HtmlSelectElement>().ok())
            .filter(|s| {
                s.query_selector(&["option[value=", &status, "]"].concat())
                    .ok()
                    .flatten()
                    .is_some()
            });
        let Some((select, form)) = select.and_then(|s| {
            let f = s.form()?;
            Some((s, f))
        }) else {
            self.announce(
                &[
                    "A task cannot move from ",
                    &label(&from),
                    " to ",
                    &label(to),
                    ".",
                ]
                .concat(),
            );
            return;
        };
        self.announce(&["Moving the task to ", &label(to), "…"].concat());
        self.pending.replace(Some((id_of(card), status.clone())));
        select.set_value(&status);
        let _ = form.request_submit();
    }

    /// Says how the pending move ended: the card is in its new column, or
    /// the page shows why not.
    fn after_update(&self) {
        let Some((id, status)) = self.pending.take() else {
            return;
        };
        let doc = document();
        let card = doc.get_element_by_id(&id);
        let col = card.as_ref().and_then(|c| closest(c, ".column"));
        match (card, col) {
            (Some(card), Some(col))
                if col.get_attribute("data-status").as_deref() == Some(status.as_str()) =>
            {
                let label = col.get_attribute("data-label").unwrap_or_default();
                self.announce(&["“", &card_title(&card), "” is now ", &label, "."].concat());
            }
            _ => {
                let why = doc
                    .query_selector("[data-testid=form-error]")
                    .ok()
                    .flatten()
                    .and_then(|e| e.text_content())
                    .unwrap_or_else(|| "The task was not moved.".into());
                self.announce(&why);
            }
        }
    }
}

fn card_title(card: &Element) -> String {
    card.query_selector(".card-title")
        .ok()
        .flatten()
        .and_then(|t| t.text_content())
        .unwrap_or_default()
}

fn drag_leave(ev: DragEvent) {
    let Some(col) = target_element(&ev).and_then(|t| t.closest(".column").ok().flatten()) else {
        return;
    };
    let still_inside = ev
        .related_target()
        .and_then(|t| t.dyn_into::<Node>().ok())
        .is_some_and(|n| col.contains(Some(&n)));
    if !still_inside {
        let _ = col.class_list().remove_1("drop-target");
    }
}

fn clear_drop_targets() {
    if let Ok(cols) = document().query_selector_all(".column.drop-target") {
        for i in 0..cols.length() {
            if let Some(c) = cols.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                let _ = c.class_list().remove_1("drop-target");
            }
        }
    }
}

/// "Load more" in place: the next page of the column is appended instead of
/// replacing the board with that page.
fn load_more_click(ev: MouseEvent) {
    if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
        return;
    }
    let Some(link) = target_element(&ev)
        .and_then(|t| t.closest("a.load-more").ok().flatten())
        .and_then(|a| a.dyn_into::<HtmlAnchorElement>().ok())
    else {
        return;
    };
    ev.prevent_default();
    if link.get_attribute("aria-disabled").as_deref() == Some("true") {
        return;
    }
    let _ = link.set_attribute("aria-disabled", "true");
    let label = link.text_content();
    link.set_text_content(Some("Loading…"));
    spawn_local(async move {
        let href = link.href();
        if load_more(&link).await.is_err() {
            let _ = window().location().assign(&href);
            return;
        }
        let _ = link.remove_attribute("aria-disabled");
        link.set_text_content(label.as_deref());
    });
}

async fn load_more(link: &HtmlAnchorElement) -> Result<(), JsValue> {
    let init = RequestInit::new();
    let (_, html) = fetch_html(&link.href(), &init).await?;
    let new_doc = parse(&html)?;
    let col = link
        .closest(".column")?
        .ok_or_else(|| JsValue::from_str("no column"))?;
    let status = col.get_attribute("data-status").unwrap_or_default();
    let new_col = new_doc
        .query_selector(&[".column[data-status=", &status, "]"].concat())?
        .ok_or_else(|| JsValue::from_str("no column in the answer"))?;
    let (Some(list), Some(new_list)) = (
        col.query_selector("ul.cards")?,
        new_col.query_selector("ul.cards")?,
    ) else {
        return Err(JsValue::from_str("no card list"));
    };
    let doc = document();
    let mut next = new_list.first_element_child();
    while let Some(card) = next {
        next = card.next_element_sibling();
        if doc.get_element_by_id(&id_of(&card)).is_none() {
            list.append_child(&card)?;
        }
    }
    if let Some(count) = col.query_selector(".count")? {
        count.set_text_content(Some(&list.child_element_count().to_string()));
    }
    match new_col.query_selector("a.load-more")? {
        Some(more) => link.set_href(&more.get_attribute("href").unwrap_or_default()),
        None => link.remove(),
    }
    Ok(())
}

// --- Keyboard shortcuts -----------------------------------------------------

pub fn shortcuts(root: Element) {
    let help = select(&root, "dialog");
    listen::<KeyboardEvent>(&document(), "keydown", move |ev| {
        if ev.default_prevented() || ev.ctrl_key() || ev.meta_key() || ev.alt_key() || typing(&ev) {
            return;
        }
        let doc = document();
        match ev.key().as_str() {
            // Only where the page offers it (admins' navigation).
            "n" => {
                if let Some(new) = doc
                    .query_selector("nav a[href=\"/tasks/new\"]")
                    .ok()
                    .flatten()
                    .and_then(|a| a.dyn_into::<HtmlElement>().ok())
                {
                    ev.prevent_default();
                    new.click();
                }
            }
            "/" => {
                ev.prevent_default();
                if !focus_search() {
                    let _ = window().location().assign("/board#search");
                }
            }
            "j" | "k" => {
                ev.prevent_default();
                step_cards(if ev.key() == "j" { 1 } else { -1 });
            }
            "?" => {
                if let Some(d) = help
                    .as_ref()
                    .and_then(|d| d.dyn_ref::<web_sys::HtmlDialogElement>())
                {
                    ev.prevent_default();
                    if !d.open() {
                        let _ = d.show_modal();
                    }
                }
            }
            _ => {}
        }
    });
    if window().location().hash().as_deref() == Ok("#search") {
        focus_search();
    }
    mark_hydrated(&root);
}

/// Keys typed into a field are text, not shortcuts.
fn typing(ev: &KeyboardEvent) -> bool {
    target_element(ev).is_some_and(|t| {
        matches!(t.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            || t.closest("[contenteditable]").ok().flatten().is_some()
    })
}

fn focus_search() -> bool {
    let Some(search) = document()
        .get_element_by_id("f-q")
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return false;
    };
    let _ = search.focus();
    search.select();
    true
}

/// Moves focus to the next (`1`) or previous (`-1`) board card, from the
/// focused one or from the start.
fn step_cards(step: i32) {
    let doc = document();
    let Ok(cards) = doc.query_selector_all(".task-card") else {
        return;
    };
    let n = cards.length();
    if n == 0 {
        return;
    }
    let active = doc.active_element().and_then(|a| closest(&a, ".task-card"));
    let here = active
        .and_then(|a| (0..n).find(|i| cards.item(*i).is_some_and(|c| c.is_same_node(Some(&a)))));
    let next = match here {
        Some(i) => i.saturating_add_signed(step).min(n - 1),
        None if step > 0 => 0,
        None => n - 1,
    };
    if let Some(card) = cards
        .item(next)
        .and_then(|c| c.dyn_into::<HtmlElement>().ok())
    {
        let _ = card.focus();
    }
}

// --- The bell -------------------------------------------------------------

/// Re-reads the unread count after in-place changes, when the tab is shown
/// again or the window regains focus, and every minute while visible.
pub fn bell(root: Element) {
    let bell = root.clone();
    let refresh = move || {
        let root = bell.clone();
        spawn_local(async move {
            if let Ok(n) = unread().await {
                show_unread(&root, n);
            }
        })
    };
    let w = window();
    let r = refresh.clone();
    listen::<Event>(&w, UPDATED, move |_| r());
    let r = refresh.clone();
    listen::<Event>(&w, "focus", move |_| r());
    let r = refresh.clone();
    listen::<Event>(&document(), "visibilitychange", move |_| {
        if !document().hidden() {
            r()
        }
    });
    set_interval(
        move || {
            if !document().hidden() {
                refresh()
            }
        },
        std::time::Duration::from_secs(60),
    );
    mark_hydrated(&root);
}

/// The `unread_count` server function, called the way its generated client
/// would (an empty form post, a JSON number back) without linking that
/// client's encoders and streams into the bundle: the same request, a
/// fraction of the bytes.
async fn unread() -> Result<u32, JsValue> {
    use leptos::server_fn::ServerFn;
    let headers = web_sys::Headers::new()?;
    headers.set("Accept", "application/json")?;
    headers.set("Content-Type", "application/x-www-form-urlencoded")?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    let path = <crate::notifications::UnreadCount as ServerFn>::PATH;
    let resp: Response = JsFuture::from(window().fetch_with_str_and_init(path, &init))
        .await?
        .dyn_into()?;
    if !resp.ok() {
        return Err(JsValue::NULL);
    }
    let text = JsFuture::from(resp.text()?).await?;
    text.as_string()
        .and_then(|t| t.trim().parse().ok())
        .ok_or(JsValue::NULL)
}

/// The server's bell markup (`AccountNav`) for a new count.
fn show_unread(root: &Element, n: u32) {
    let Ok(Some(bell)) = root.query_selector("a.bell") else {
        return;
    };
    let count = n.to_string();
    let _ = bell.set_attribute(
        "aria-label",
        &["Notifications, ", &count, " unread"].concat(),
    );
    let badge = bell.query_selector(".bell-count").ok().flatten();
    if n == 0 {
        if let Some(b) = badge {
            b.remove();
        }
        return;
    }
    let badge = badge.or_else(|| {
        let b = document().create_element("span").ok()?;
        b.set_class_name("bell-count");
        let _ = b.set_attribute("data-testid", "bell-count");
        bell.append_child(&b).ok()?;
        Some(b)
    });
    if let Some(b) = badge {
        b.set_text_content(Some(if n > 99 { "99+" } else { &count }));
    }
}
