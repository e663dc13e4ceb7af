"""Rendering customer messages from Jinja2 templates: a subject, a plain-text and an HTML body, and an SMS.

Each message has `<name>.txt.j2` (blocks `subject`, `text`, `sms`; no escaping) and `<name>.html.j2`
(autoescaped, so a product name cannot inject markup). Rendering is pure CPU and happens in the event
consumer's transaction; what is stored is exactly what is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from mercato.kernel.money import minor_unit_digits

TEMPLATES_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


def format_money(amount: int | None, currency: str | None) -> str:
    """`1234, "usd"` → `12.34 USD`: integer minor units shown in major units, never via floats."""
    if amount is None:
        return ""
    if not currency:
        return str(amount)
    digits = minor_unit_digits(currency)
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d} {currency.upper()}" if digits else f"{sign}{whole} {currency.upper()}"


class MessageRenderer:
    """The template environment, built once per process."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self.env = Environment(
            loader=FileSystemLoader(templates_dir),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        self.env.filters["money"] = format_money

    def _block(self, template_name: str, block: str, context: dict[str, Any]) -> str:
        template = self.env.get_template(template_name)
        return "".join(template.blocks[block](template.new_context(context))).strip()

    def render(self, name: str, context: dict[str, Any]) -> Rendered:
        """Render message `name` with `context` (`customer`, `data` and anything the template needs)."""
        return Rendered(
            subject=" ".join(self._block(f"{name}.txt.j2", "subject", context).split()),
            text=self._block(f"{name}.txt.j2", "text", context) + "\n",
            html=self.env.get_template(f"{name}.html.j2").render(context),
            sms=" ".join(self._block(f"{name}.txt.j2", "sms", context).split()),
        )
