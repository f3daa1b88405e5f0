"""Sign-in, sign-out and the account page."""

from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from ..access import public, roles, signed_in
from ..extensions import db, limiter, login_manager
from ..mail import mail_configured
from . import bp, services
from .forms import (
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
)
from .links import can_email_requested_links, deliver_link, send_requested_link
from .models import ApiToken, Role


@login_manager.user_loader
def load_user(login_token: str):
    """Flask-Login: the user of the cookie's login session, if still open."""
    return services.user_for_login_token(login_token)


@login_manager.request_loader
def load_user_from_bearer(req):
    """Flask-Login: an API request with ``Authorization: Bearer <token>``."""
    if not req.path.startswith("/api/"):
        return None
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    user = services.user_for_api_token(token.strip())
    if user is not None:
        g.authenticated_by_token = True
    return user


def _login_email() -> str:
    return request.form.get("email", "").strip().lower()


def _account_key() -> str:
    return "account:" + _login_email()


def _account_address_key() -> str:
    # The address first: it holds no space, so two different pairs never make the same key.
    return f"account-address:{get_remote_address()} {_login_email()}"


def _config_value(name: str):
    return lambda: current_app.config[name]


def _login_failed(_response) -> bool:
    return bool(g.get("login_failed"))


def _same_site(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None: never send a user elsewhere.

    The address is parsed, not matched: it must have no scheme and no host, a path from the
    root, and read back unchanged from its parts. A browser drops tabs and line breaks
    anywhere in an address and takes a backslash for a slash, so ``/%09/evil.example`` or
    ``/%5Cevil.example`` (decoded) would send it to another site; Python's parser drops the
    same characters, and the text it gives back then differs from what was asked."""
    if not target:
        return None
    parts = urlsplit(target.replace("\\", "/"))
    if parts.scheme or parts.netloc:
        return None
    path = urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    if path != target or not path.startswith("/") or path.startswith("//"):
        return None
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in path):
        return None
    return path


def _safe_next(target: str | None) -> str:
    """Where to go after sign-in: a same-site path, or the dashboard."""
    return _same_site(target) or url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
# A classroom shares one address: one person's typos must not lock the others out, so the
# tight limit is per account and address, the account alone (guessing from many addresses) and
# the address alone (trying many accounts) have limits of their own, much higher.
@limiter.limit(
    _config_value("LOGIN_FAILURE_LIMIT"),
    key_func=_account_address_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account-address",
    error_message="Too many failed sign-ins for this account. Wait a few minutes and try again.",
)
@limiter.limit(
    _config_value("LOGIN_ACCOUNT_FAILURE_LIMIT"),
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
    error_message="Too many failed sign-ins for this account. Wait a while and try again, "
    "or ask for a new password.",
)
@limiter.limit(
    _config_value("LOGIN_ADDRESS_FAILURE_LIMIT"),
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-address",
    error_message="Too many failed sign-ins from this address. Wait a few minutes and try again.",
)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # nothing from before sign-in survives into the new session
            services.start_login_session(user, request.remote_addr, request.user_agent.string)
            db.session.commit()
            session.permanent = True
            login_user(user)
            flash(f"Signed in as {user.display_name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
        g.login_failed = True
        form.password.errors.append("The email or password is not correct.")
    return render_template("auth/login.html", form=form), 200


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    """Sign out: the session ends on the server, so every copy of the cookie stops working."""
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_login_session(current_user, current_user.login_token)
        db.session.commit()
        logout_user()
        session.clear()
        flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account():
    """Your account: change the password, see and revoke your API tokens."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except services.AuthError as exc:
            form.current_password.errors.append(str(exc))
        else:
            # Every session ended; this browser continues in a fresh one.
            services.start_login_session(
                current_user, request.remote_addr, request.user_agent.string
            )
            db.session.commit()
            session.clear()
            session.permanent = True
            login_user(current_user._get_current_object())
            flash("Your password was changed. Other browsers have been signed out.", "success")
            return redirect(url_for("auth.account"))
    tokens = (
        db.session.execute(
            sa.select(ApiToken)
            .where(ApiToken.user_id == current_user.id)
            .order_by(ApiToken.created_at.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "auth/account.html", form=form, tokens=tokens, confirm_form=ConfirmForm()
    )


@bp.route("/account/tokens", methods=["POST"])
@signed_in
def create_token():
    """Create an API token for yourself; it is shown once."""
    form = ConfirmForm()
    name = request.form.get("name", "").strip()[:100]
    if not form.validate_on_submit() or not name:
        flash("Give the token a name, e.g. the script that will use it.", "danger")
        return redirect(url_for("auth.account"))
    token = services.create_api_token(current_user, name)
    db.session.commit()
    return render_template("auth/token_created.html", token=token, name=name)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@signed_in
def revoke_token(token_id: int):
    """Revoke one of your API tokens."""
    api_token = db.get_or_404(ApiToken, token_id)
    if api_token.user_id != current_user.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.revoke_api_token(current_user, api_token)
        db.session.commit()
        flash(f"Token “{api_token.name}” revoked.", "info")
    return redirect(url_for("auth.account"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@bp.route("/password/<token>", methods=["GET", "POST"], endpoint="reset_password")
@public
def accept_invitation(token: str):
    """Set a password with a single-use link (an invitation, or a reset for someone who has a
    password), then continue signed in; every other session of the user ends."""
    try:
        invitation = services.open_invitation(token)
    except services.AuthError as exc:
        return render_template("auth/invitation.html", error=str(exc), form=None), 410
    user = invitation.user
    new_account = user.password_hash is None
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, form.new_password.data)
        except services.AuthError as exc:
            db.session.rollback()
            return render_template("auth/invitation.html", error=str(exc), form=None), 410
        session.clear()
        services.start_login_session(user, request.remote_addr, request.user_agent.string)
        db.session.commit()
        session.permanent = True
        login_user(user)
        if new_account:
            flash("Your password is set. Welcome!", "success")
        else:
            flash("Your new password is set. Other browsers have been signed out.", "success")
        return redirect(url_for("main.dashboard"))
    return render_template(
        "auth/invitation.html", form=form, user=user, new_account=new_account, error=None
    )


def _reset_email_key() -> str:
    return "reset-email:" + request.form.get("email", "").strip().lower()


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit(
    _config_value("PASSWORD_RESET_LIMIT"),
    key_func=_reset_email_key,
    methods=["POST"],
    scope="reset-email",
    error_message="Several links were asked for this address already. Use the last one that "
    "arrived, or wait an hour.",
)
@limiter.limit(
    _config_value("PASSWORD_RESET_ADDRESS_LIMIT"),
    key_func=get_remote_address,
    methods=["POST"],
    scope="reset-address",
    error_message="Too many links asked for from this address. Wait an hour and try again.",
)
def forgot_password():
    """Ask for a link to choose a new password. The answer is the same whether or not the
    account exists, and so is the time it takes: the email leaves after the response."""
    form = ForgotPasswordForm()
    emailed = can_email_requested_links()
    if form.validate_on_submit():
        if mail_configured() and not emailed:
            current_app.logger.warning(
                "Password reset links are not emailed: set PUBLIC_BASE_URL (or TRUSTED_HOSTS)."
            )
        link = services.request_password_reset(form.email.data, request.remote_addr, emailed)
        db.session.commit()
        if link is not None:
            send_requested_link(link)
        if emailed:
            flash(
                "If an account uses that address, a link to choose a new password is on its "
                "way there. It works once, within an hour. Nothing after a few minutes? Check "
                "your spam folder, or ask your course coordinator.",
                "info",
            )
        else:
            flash(
                "If an account uses that address, your request is recorded. This server "
                "does not send these links by email: ask your course coordinator or an "
                "administrator for a link to choose a new password.",
                "info",
            )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form, emailed=emailed)


@bp.route("/people/<int:person_id>/sign-in", methods=["GET", "POST"])
@roles(Role.ADMIN, Role.COORDINATOR)
def person_sign_in(person_id: int):
    """A trainee's way in, for the course team: whether they have a password and an open
    link, and a new invitation or password reset link to copy (emailed when email is set up).
    Only trainee accounts: a coordinator must not make a link into an admin's account."""
    user = services.trainee_account(person_id)
    back = _same_site(request.args.get("next"))
    form = ConfirmForm()
    if user is not None and form.validate_on_submit():
        try:
            link = services.make_sign_in_link(current_user, user)
        except services.AuthError as exc:
            flash(str(exc), "danger")
            return redirect(request.full_path.rstrip("?"))
        db.session.commit()
        return render_template(
            "auth/sign_in_link.html", user=user, link=link, delivery=deliver_link(link), back=back
        )
    return render_template(
        "auth/person_sign_in.html",
        user=user,
        state=services.sign_in_state(user) if user is not None else None,
        form=form,
        back=back,
        mail_on=mail_configured(),
    )
