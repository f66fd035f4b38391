"""Theme minimums measured in the browser: text size, touch-target size, 7:1 contrast, no sideways scroll.

Kiosk: text >= 24px, targets >= 64x64px, contrast >= 7:1 in both modes.
Phone (and console): text >= 18px, targets >= 48x48px, contrast >= 7:1 in high-contrast mode
(4.5:1 in normal mode is checked by axe).
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import Visitor
from tests.browser.routes import html_get_routes

MINIMUMS = {"kiosk": (24, 64), "phone": (18, 48)}
VIEWPORTS = {"kiosk": (1080, 1920), "phone": (360, 740)}

MEASURE = """
([minFont, minTarget, minContrast]) => {
  const problems = [];
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;  // visually hidden (.vh) or collapsed
    if (r.bottom < 0) return false;                  // the skip link before it is focused
    const cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && cs.display !== 'none' && el.closest('details:not([open]) > :not(summary)') === null;
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
      ' "' + (el.textContent || el.value || '').trim().slice(0, 30) + '"';
  const rgb = (s) => { const m = s.match(/[\\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; };
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const backgrounds = new Map();  // an element's first painted background: siblings share their parents'
  const background = (el) => {
    if (!el) return [255, 255, 255];
    if (backgrounds.has(el)) return backgrounds.get(el);
    const c = rgb(getComputedStyle(el).backgroundColor);
    const found = (c.length < 4 || c[3] > 0) ? c : background(el.parentElement);
    backgrounds.set(el, found);
    return found;
  };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || seen.has(el) || el.closest('script, style, svg, .vh') || !shown(el)) continue;
    seen.add(el);
    const cs = getComputedStyle(el);
    const size = parseFloat(cs.fontSize);
    if (size + 0.01 < minFont) problems.push(`text ${size}px < ${minFont}px: ${describe(el)}`);
    if (minContrast) {
      const fg = lum(rgb(cs.color)), bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio + 0.005 < minContrast) problems.push(`contrast ${ratio.toFixed(2)} < ${minContrast}: ${describe(el)}`);
    }
  }
  const targets = document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex="0"]');
  for (const el of targets) {
    if (!shown(el)) continue;
    // WCAG 2.5.8 exempts links inside a sentence; everything else must meet the theme minimum.
    const p = el.closest('p');
    if (el.tagName === 'A' && p && p.textContent.trim().length > el.textContent.trim().length + 10) continue;
    const r = el.getBoundingClientRect();
    if (r.width + 0.5 < minTarget || r.height + 0.5 < minTarget)
      problems.push(`target ${Math.round(r.width)}x${Math.round(r.height)} < ${minTarget}: ${describe(el)}`);
  }
  const html = document.documentElement;
  if (html.scrollWidth > window.innerWidth + 1)
    problems.push(`page scrolls sideways: ${html.scrollWidth}px wide in a ${window.innerWidth}px window`);
  return problems;
}
"""


def measure(visitor: Visitor, min_font: int, min_target: int, min_contrast: float | None) -> list[str]:
    return visitor.page.evaluate(MEASURE, [min_font, min_target, min_contrast])


def routes_of(live_server, theme: str):
    routes, _ = html_get_routes(live_server.app)
    return [r for r in routes if r.theme == theme]


def shows(route, audience: str) -> bool:
    """Whether this audience's walk opens this page."""
    if route.is_staff != (audience == "staff") or (audience == "resident" and not route.is_resident_only):
        return False
    if (audience == "family") != route.is_family_only:
        return False
    return not (audience == "kiosk visit" and route.path.startswith(("/kiosk/pair", "/design")))


@pytest.mark.parametrize("theme", ["kiosk", "phone"])
@pytest.mark.parametrize("display", ["00", "01", "20", "21"])
def test_theme_minimums(browser, live_server, theme, display):
    min_font, min_target = MINIMUMS[theme]
    high_contrast = display.endswith("1")
    min_contrast = 7.0 if (theme == "kiosk" or high_contrast) else None
    width, height = VIEWPORTS[theme]
    problems: list[str] = []
    for audience in ("anonymous", "staff", "resident", "family", "kiosk visit"):
        staff = audience == "staff"
        if audience == "kiosk visit" and theme != "kiosk":
            continue
        if audience == "family" and theme != "phone":  # family members use their own phones only
            continue
        shown = [r for r in routes_of(live_server, theme) if shows(r, audience)]
        if not shown:  # (the console has no kiosk pages: no need to sign a person in to open none)
            continue
        visitor = Visitor(browser, live_server.url, width=width, height=height)
        visitor.set_cookie("linli_display", display)
        if staff:
            visitor.sign_in("admin")
        elif audience == "resident":
            visitor.sign_in_resident(live_server.card_token)
        elif audience == "family":
            visitor.sign_in_family(live_server.app)
        elif (
            audience == "kiosk visit"
        ):  # every kiosk screen again with a resident identified (English: longest)
            visitor.set_locale("en")
            visitor.start_kiosk_visit(live_server.card_token)
        for route in shown:
            visitor.goto(route.path)
            problems += [
                f"{route.path} [{display}]: {p}" for p in measure(visitor, min_font, min_target, min_contrast)
            ]
            if theme == "phone" and not route.is_staff:
                # Open the display menu too: its controls must meet the minimums when shown.
                menu = visitor.page.locator("details.display-menu > summary")
                if menu.count():
                    menu.first.click()
                    problems += [
                        f"{route.path} menu [{display}]: {p}"
                        for p in measure(visitor, min_font, min_target, min_contrast)
                    ]
        visitor.close()
    assert not problems, "\n".join(problems)


def test_measurement_can_fail(browser, live_server):
    """A canary: small text, a small button and grey text are reported."""
    visitor = Visitor(browser, live_server.url, width=1080, height=1920)
    visitor.goto("/kiosk/")
    visitor.page.evaluate(
        """() => {
            const b = document.createElement('button'); b.textContent = 'tiny';
            b.style.fontSize = '12px'; b.style.minHeight = '0'; b.style.padding = '0';
            const p = document.createElement('p'); p.textContent = 'grey'; p.style.color = '#888';
            document.querySelector('main').append(b, p);
        }"""
    )
    found = "\n".join(measure(visitor, 24, 64, 7.0))
    visitor.close()
    assert "text 12px < 24px" in found
    assert "target" in found
    assert "tiny" in found
    assert "contrast" in found
    assert "grey" in found
