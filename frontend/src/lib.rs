//! The WASM entry point: hydrates the interactive parts (islands) of the pages `app` rendered on
//! the server.

// Linked for its island entry points, which the page's hydration script calls by name.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
