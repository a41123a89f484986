"""The e-mail alerts' messages: the confirmation and the digest, each in plain text and HTML.

Both parts come from templates (`templates/email/alerts_*.txt` and `.html`; the subject is the
text template's `subject`), so every word is in one place for translators, and in the catalogs.
Each message is in the subscription's language (`lang`, that of the pages it signed up on): its
words, the site's name, its dates and the addresses of its links (`/es/...`). The HTML is
autoescaped like every page; plain-text templates are not escaped (`render.rendering`).

Every message carries its one-click unsubscribe link (RFC 8058): `List-Unsubscribe` with the
https address of `/alerts/unsubscribe/<token>` and `List-Unsubscribe-Post:
List-Unsubscribe=One-Click`, which a mail provider POSTs without a cookie or a page; the same
link is in the body, with the link to the page that manages the alert. When the site's contact
address (`publisher_email`) can receive mail, `List-Unsubscribe` names it too, as a `mailto:`
(RFC 2369) whose body is the unsubscribe link, for the mail programs that only write.
"""

from __future__ import annotations

from dataclasses import replace
from email import policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

from ..core.config import SiteConfig
from ..core.filters import Filters
from ..render.language import DEFAULT_LANGUAGE
from ..render.phrasing import filters_text
from ..render.rendering import environment
from ..render.urls import SiteUrls
from .alertdigest import Digest
from .notify import new_message

# `List-Unsubscribe` holds an address that must reach mail programs whole: folded at 78
# characters, the email package would write it as an encoded word, which RFC 2369 headers do not
# take. So the alerts' messages fold at SMTP's own limit, 998.
POLICY = policy.default.clone(max_line_length=998)
# Domains that never receive mail (RFC 2606, RFC 6761): a contact address there, such as the
# default `calendar@example.org`, is a placeholder, and no `mailto:` names it.
RESERVED_DOMAINS = ("example.org", "example.com", "example.net")
RESERVED_TOP_LEVEL = (".example", ".test", ".invalid", ".localhost", ".local")


def alert_links(config: SiteConfig, token: str, lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The full addresses of the manage page and the unsubscribe link that `token` opens, in `lang`."""
    urls = SiteUrls(config.base_url, lang=lang).full
    return {"manage_url": urls.alert_manage(token), "unsubscribe_url": urls.alert_unsubscribe(token)}


def unsubscribe_mailbox(config: SiteConfig) -> str | None:
    """The address a `mailto:` unsubscribe goes to: the site's contact (`publisher_email`), when it is
    one that can receive mail; None for a placeholder."""
    address = config.publisher_email.strip()
    domain = address.rpartition("@")[2].lower().rstrip(".")
    if not domain or "@" not in address:
        return None
    if any(domain == d or domain.endswith("." + d) for d in RESERVED_DOMAINS) or domain.endswith(RESERVED_TOP_LEVEL):
        return None
    return address


def list_unsubscribe(config: SiteConfig, unsubscribe_url: str) -> str:
    """`List-Unsubscribe`: the one-click https address first (RFC 8058 acts on it), then a `mailto:`
    whose body is that address, for whoever reads the contact mailbox to follow."""
    mailbox = unsubscribe_mailbox(config)
    if mailbox is None:
        return f"<{unsubscribe_url}>"
    mailto = f"mailto:{quote(mailbox, safe='@')}?subject=unsubscribe&body={quote(unsubscribe_url, safe='')}"
    return f"<{unsubscribe_url}>, <{mailto}>"


def _filter_context(config: SiteConfig, filters: Filters, lang: str) -> dict[str, Any]:
    urls = SiteUrls(config.base_url, lang=lang).full
    query = filters.to_query()
    return {
        "filtered": not filters.is_empty,
        "description": filters_text(filters, config, lang),
        "page_url": urls.listing(query),
        "feed_url": urls.feed(query),
    }


def confirmation_message(
    config: SiteConfig, to: str, filters: Filters, frequency: str, confirm_token: str, link_token: str,
    lang: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """The one message sent before the address is confirmed: the site's own words and links only.

    Anyone may type a stranger's address, so it never carries what was typed: a search's words
    are left out (the filter's other values are the site's own), as in `notify`.
    """
    context = {
        **_filter_context(config, replace(filters, q=""), lang),
        "searched": bool(filters.q),
        **alert_links(config, link_token, lang),
        "frequency": frequency,
        "confirm_url": SiteUrls(config.base_url, lang=lang).full.alert_confirm(confirm_token),
    }
    return _message(config, to, "alerts_confirm", context, lang)


def digest_message(
    config: SiteConfig, to: str, filters: Filters, frequency: str, digest: Digest, link_token: str,
    lang: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """A digest in `lang`; `digest` must have been made with addresses in the same language."""
    context = {
        **_filter_context(config, filters, lang),
        **alert_links(config, link_token, lang),
        "frequency": frequency,
        "new": digest.new,
        "changed": digest.changed,
        "deadlines": digest.deadlines,
    }
    return _message(config, to, "alerts_digest", context, lang)


def _message(config: SiteConfig, to: str, name: str, context: dict[str, Any], lang: str) -> EmailMessage:
    env = environment(lang=lang)
    site_name = config.translated(config.name, lang)
    context = {"site_name": site_name, "home_url": SiteUrls(config.base_url, lang=lang).full.home(), **context}
    text = env.get_template(f"email/{name}.txt").make_module(context)
    message = new_message(config, to, " ".join(str(getattr(text, "subject", site_name)).split()), POLICY)
    if site_name != config.name:
        message.replace_header("From", f"{site_name} <{config.smtp_from}>")
    message["List-Unsubscribe"] = list_unsubscribe(config, context["unsubscribe_url"])
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(str(text).strip() + "\n")
    message.add_alternative(env.get_template(f"email/{name}.html").render(context), subtype="html")
    return message
