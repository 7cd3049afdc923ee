"""Browser helpers for the pickers (选择单位、选择人员, jiguan/static/jiguan/picker.js): type into the
box, wait for the match to be listed, take it, as a user does. Not a test module: the journeys of
every module import ``pick``."""

from __future__ import annotations

from playwright.sync_api import expect


def picker_box(page, field_id: str):
    """The text box of the picker whose hidden input is ``#field_id`` (id_owner_unit, switch-unit)."""
    return page.locator(f"#{field_id.lstrip('#')}_text")


def matches(page, field_id: str):
    return page.locator(f"#{field_id.lstrip('#')}_list [role=option]")


def pick(page, field_id: str, typed: str, choose: str | None = None, tap: bool = False) -> None:
    """Type ``typed`` into the picker and take the match labelled ``choose`` (default: ``typed``).
    Waits for the page's scripts first (the picker is picker.js)."""
    expect(page.locator("body[data-ready='1']")).to_be_attached()
    box = picker_box(page, field_id)
    box.click() if not tap else box.tap()
    box.fill(typed)
    option = matches(page, field_id).filter(has=page.get_by_text(choose or typed, exact=True)).first
    expect(option).to_be_visible()
    option.tap() if tap else option.click()
    expect(box).to_have_value(choose or typed)
