"""Bearer-token authentication of the API's clients, and the `qibu api-token` commands."""

from datetime import timedelta

import click
import sqlalchemy as sa
from flask import g, request
from flask.cli import with_appcontext

from app.api import api_error, v1
from app.audit import log_event
from models import ApiToken, db, utcnow
from models.api import hash_token

# how stale `last_used_at` may be before a request writes it again (one write, not each call)
LAST_USED_PRECISION = timedelta(minutes=10)
MAX_TOKEN_LENGTH = 200


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token


def find_active_token(token: str) -> ApiToken | None:
    """The unrevoked ApiToken a presented token belongs to (looked up by its hash)."""
    return db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token),
                                  ApiToken.revoked_at.is_(None))
    )


@v1.before_request
def require_token():
    """Answer 401 unless the request carries a valid, unrevoked token."""
    token = bearer_token()
    client = find_active_token(token) if token else None
    if client is None:
        return api_error(401)
    now = utcnow()
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_PRECISION:
        client.last_used_at = now
        db.session.commit()
    g.api_client = client.name
    return None


@v1.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- operations


def create_token(name: str) -> tuple[ApiToken, str]:
    """Issue a token for the client `name`; flush and audit, never commit."""
    if db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise click.ClickException(f"A client named {name!r} already has a token; revoke it "
                                   "first or choose another name.")
    row, token = ApiToken.issue(name)
    db.session.add(row)
    db.session.flush()
    log_event("api_token_created", row, name=name, hint=row.hint)
    return row, token


def revoke_token(name: str) -> ApiToken:
    """Revoke the client's token; flush and audit, never commit."""
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == name))
    if row is None:
        raise click.ClickException(f"No client is named {name!r}.")
    row.revoke()
    db.session.flush()
    log_event("api_token_revoked", row, name=name)
    return row


# --------------------------------------------------------------------------- commands


@click.group("api-token")
def api_token_group():
    """Manage the JSON API's client tokens."""


@api_token_group.command("create")
@click.argument("name")
@with_appcontext
def create_command(name):
    """Create a token for the client NAME and print it once (only its hash is stored)."""
    name = name.strip()
    if not 1 <= len(name) <= 60:
        raise click.BadParameter("use 1 to 60 characters", param_hint="NAME")
    row, token = create_token(name)
    db.session.commit()
    click.echo(f"API token for {row.name} (shown only now; keep it secret):")
    click.echo(token)


@api_token_group.command("list")
@with_appcontext
def list_command():
    """List the clients, their token hints and when each token was last used."""
    rows = db.session.scalars(sa.select(ApiToken).order_by(ApiToken.name)).all()
    if not rows:
        click.echo("No API tokens.")
    for row in rows:
        state = "active" if row.active else f"revoked {row.revoked_at:%Y-%m-%d %H:%M}"
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
        click.echo(f"{row.name:<30} {row.hint}…  {state:<24} last used {used} (UTC)")


@api_token_group.command("revoke")
@click.argument("name")
@with_appcontext
def revoke_command(name):
    """Revoke the token of the client NAME; its requests are refused from now on."""
    revoke_token(name.strip())
    db.session.commit()
    click.echo(f"Revoked the token of {name.strip()}.")
