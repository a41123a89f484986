"""The e-mail alerts' messages: the confirmation and the digest, each in plain text and HTML.

Both parts come from templates (`templates/email/alerts_*.txt` and `.html`; the subject is the
text template's `subject`), so every word is in one place for translators. The HTML is
autoescaped like every page; plain-text templates are not escaped (`render.rendering`).

Every message carries its one-click unsubscribe link (RFC 8058): `List-Unsubscribe` with the
https address of `/alerts/unsubscribe/<token>` and `List-Unsubscribe-Post:
List-Unsubscribe=One-Click`, which a mail provider POSTs without a cookie or a page; the same
link is in the body, with the link to the page that manages the alert.
"""

from __future__ import annotations

from dataclasses import replace
from email import policy
from email.message import EmailMessage
from typing import Any

from ..core.config import SiteConfig
from ..core.filters import Filters
from ..render.phrasing import filters_text
from ..render.rendering import environment
from ..render.urls import SiteUrls
from .alertdigest import Digest
from .notify import new_message

# `List-Unsubscribe` holds an address that must reach mail programs whole: folded at 78
# characters, the email package would write it as an encoded word, which RFC 2369 headers do not
# take. So the alerts' messages fold at SMTP's own limit, 998.
POLICY = policy.default.clone(max_line_length=998)


def alert_links(config: SiteConfig, token: str) -> dict[str, str]:
    """The full addresses of the manage page and the unsubscribe link that `token` opens."""
    urls = SiteUrls(config.base_url).full
    return {"manage_url": urls.alert_manage(token), "unsubscribe_url": urls.alert_unsubscribe(token)}


def _filter_context(config: SiteConfig, filters: Filters) -> dict[str, Any]:
    urls = SiteUrls(config.base_url).full
    query = filters.to_query()
    return {
        "filtered": not filters.is_empty,
        "description": filters_text(filters, config),
        "page_url": urls.listing(query),
        "feed_url": urls.feed(query),
    }


def confirmation_message(
    config: SiteConfig, to: str, filters: Filters, frequency: str, confirm_token: str, link_token: str
) -> EmailMessage:
    """The one message sent before the address is confirmed: the site's own words and links only.

    Anyone may type a stranger's address, so it never carries what was typed: a search's words
    are left out (the filter's other values are the site's own), as in `notify`.
    """
    context = {
        **_filter_context(config, replace(filters, q="")),
        "searched": bool(filters.q),
        **alert_links(config, link_token),
        "frequency": frequency,
        "confirm_url": SiteUrls(config.base_url).full.alert_confirm(confirm_token),
    }
    return _message(config, to, "alerts_confirm", context)


def digest_message(
    config: SiteConfig, to: str, filters: Filters, frequency: str, digest: Digest, link_token: str
) -> EmailMessage:
    context = {
        **_filter_context(config, filters),
        **alert_links(config, link_token),
        "frequency": frequency,
        "new": digest.new,
        "changed": digest.changed,
        "deadlines": digest.deadlines,
    }
    return _message(config, to, "alerts_digest", context)


def _message(config: SiteConfig, to: str, name: str, context: dict[str, Any]) -> EmailMessage:
    env = environment()
    context = {"site_name": config.name, "home_url": SiteUrls(config.base_url).full.home(), **context}
    text = env.get_template(f"email/{name}.txt").make_module(context)
    message = new_message(config, to, " ".join(str(getattr(text, "subject", config.name)).split()), POLICY)
    message["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(str(text).strip() + "\n")
    message.add_alternative(env.get_template(f"email/{name}.html").render(context), subtype="html")
    return message
