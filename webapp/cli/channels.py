"""`flask --app wsgi channels check [--community SLUG]`: a test message through every configured channel,
each answer printed in words; the exit code says whether all of them worked (for a deployment check)."""

from __future__ import annotations

import click
from flask import current_app, g
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.domain.messages import channels
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra.unit_of_work import job
from webapp.models import Community
from webapp.shared.channels import explain, try_channel
from webapp.shared.context import vault


@click.group("channels", cls=AppGroup)
def channels_group() -> None:
    """Message channels (SMS, group robots, e-mail, Web Push)."""


@channels_group.command("check")
@click.option("--community", "slug", default=None, help="Only this community (its slug).")
@click.option(
    "--locale", type=click.Choice(["zh_Hans", "zh_Hant", "en"]), default=None, help="Language of the answers."
)
def check(slug: str | None, locale: str | None) -> None:
    """Send a test message through every enabled channel and print what each gateway answered."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    g.locale_override = locale or app.config["LINLI"].default_locale  # no request to choose one from
    failed = tried = 0
    with job() as session:
        query = select(Community).where(Community.archived_at.is_(None)).order_by(Community.id)
        if slug:
            query = select(Community).where(Community.slug == slug)
        communities = list(session.scalars(query))
        if slug and not communities:
            raise click.ClickException(f"No community with the slug {slug!r}.")
        for community in communities:
            for row in channels.of_community(session, community.id):
                if not row.enabled:
                    click.echo(f"{community.slug}  {row.label} [{row.kind}]: off, not tried")
                    continue
                sent = try_channel(app, row.kind, channels.opened(row, vault()))
                channels.record_test(session, SYSTEM, row, sent.ok, sent.code)
                tried += 1
                failed += 0 if sent.ok else 1
                mark = "OK  " if sent.ok else "FAIL"
                click.echo(f"{mark} {community.slug}  {row.label} [{row.kind}]: {explain(sent)}")
    if not tried:
        click.echo("No channel is configured and on.")
    click.echo(f"{tried - failed} of {tried} channels worked.")
    if failed:
        raise SystemExit(1)
