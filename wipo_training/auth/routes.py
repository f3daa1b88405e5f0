"""Sign-in (password, then the second factor), sign-out, the account page and its sessions."""

import time
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from ..access import public, roles, signed_in
from ..extensions import db, limiter, login_manager
from ..mail import mail_configured
from ..rules import saving
from . import services, two_factor
from .devices import device_nonce, remember_device
from .emails import normalise_email
from .forms import (
    ChangePasswordForm,
    CodeForm,
    ConfirmForm,
    EnrolForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
    TurnOffForm,
)
from .links import can_email_requested_links, deliver_link, send_requested_link
from .models import ApiToken, Role, User, hash_secret

bp = Blueprint("auth", __name__)


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
    # Normalised as accounts are (auth.emails): "ＳTAFF@…" counts against staff@… too.
    return normalise_email(request.form.get("email", ""))


def _device() -> str | None:
    """This browser's device cookie nonce for the account being tried (auth.devices)."""
    if "device_nonce" not in g:
        g.device_nonce = device_nonce(_login_email()) if _login_email() else None
    return g.device_nonce


def _known_device() -> bool:
    return _device() is not None


def _unknown_device() -> bool:
    return _device() is None


def _device_key() -> str:
    return f"device:{_device()}"


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


#: The Flask session key of a sign-in waiting for its second step, and how long it waits.
PENDING = "sign_in_pending"
PENDING_SECONDS = 600
#: The Flask session key of the secret shown while an authenticator app is set up.
ENROLMENT_KEY = "totp_enrolment"


def _begin_second_step(user: User, step: str, next_url: str, message: str | None = None):
    """The password was right: remember whose sign-in waits for its second step ("code" or
    "enrol") in this browser's session, and go there. No login session exists yet."""
    session.clear()  # nothing from before sign-in survives into the new session
    session[PENDING] = {"user": user.id, "step": step, "at": time.time(), "next": next_url}
    if message:
        flash(message, "success")
    return redirect(url_for("auth.sign_in_code" if step == "code" else "auth.sign_in_enrol"))


def _pending(step: str) -> tuple[User, str] | None:
    """The user and destination of this browser's sign-in waiting for ``step``, if it has
    not expired and the account is still active."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("step") != step:
        return None
    if time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or two_factor.second_step(user) != step:
        return None
    return user, _safe_next(pending.get("next"))


def _pending_lost():
    """Back to the password, to the same destination, when the waiting sign-in is gone."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    pending = session.pop(PENDING, None)
    target = _same_site(pending.get("next")) if isinstance(pending, dict) else None
    if pending is not None:
        flash("Sign in again: the first step has expired or the account has changed.", "info")
    return redirect(url_for("auth.login", next=target) if target else url_for("auth.login"))


def _pending_user_key() -> str:
    pending = session.get(PENDING)
    return f"pending-user:{pending.get('user') if isinstance(pending, dict) else None}"


def _complete_sign_in(user: User, message: str | None = None) -> None:
    """Both steps done: a new server-side session, this browser signed in to it."""
    session.clear()
    services.start_login_session(user, request.remote_addr, request.user_agent.string)
    db.session.commit()
    session.permanent = True
    login_user(user)
    flash(message or f"Signed in as {user.display_name}.", "success")


def _signed_in_response(user: User, response):
    """``response`` for a browser that has just signed in: it becomes a known device."""
    return remember_device(response, user.email)


def _enrolment_secret() -> str:
    """The secret this browser is setting up an app with, made on the first view."""
    if not session.get(ENROLMENT_KEY):
        session[ENROLMENT_KEY] = two_factor.new_secret()
    return session[ENROLMENT_KEY]


def _enrolment_page(form, user: User, pending: bool):
    secret = _enrolment_secret()
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        user=user,
        pending=pending,
        secret=two_factor.grouped(secret),
        qr_code=two_factor.qr_code_svg(two_factor.provisioning_uri(user, secret)),
    )


_UNKNOWN_DEVICE_LIMIT = dict(exempt_when=_known_device, methods=["POST"], deduct_when=_login_failed)


@bp.route("/login", methods=["GET", "POST"])
@public
# A classroom shares one address: one person's typos must not lock the others out, so the
# tight limit is per account and address, the account alone (guessing from many addresses) and
# the address alone (trying many accounts) have limits of their own, much higher. A browser
# that has signed in to the account before meets none of these for it, only its own limit:
# a stranger's failures cannot lock the owner out (auth.devices).
@limiter.limit(
    _config_value("LOGIN_FAILURE_LIMIT"),
    key_func=_account_address_key,
    scope="login-account-address",
    error_message="Too many failed sign-ins for this account. Wait a few minutes and try again.",
    **_UNKNOWN_DEVICE_LIMIT,
)
@limiter.limit(
    _config_value("LOGIN_ACCOUNT_FAILURE_LIMIT"),
    key_func=_account_key,
    scope="login-account",
    error_message="Too many failed sign-ins for this account from devices that have not "
    "signed in to it before. Sign in from a computer or phone you have signed in with, wait "
    "an hour, or ask for a new password.",
    **_UNKNOWN_DEVICE_LIMIT,
)
@limiter.limit(
    _config_value("LOGIN_ADDRESS_FAILURE_LIMIT"),
    key_func=get_remote_address,
    scope="login-address",
    error_message="Too many failed sign-ins from this address. Wait a few minutes and try again.",
    **_UNKNOWN_DEVICE_LIMIT,
)
@limiter.limit(
    _config_value("LOGIN_DEVICE_FAILURE_LIMIT"),
    key_func=_device_key,
    exempt_when=_unknown_device,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-device",
    error_message="Too many failed sign-ins for this account from this browser. Wait a few "
    "minutes and try again.",
)
def login():
    """Sign in with email and password; then the second factor, when the account has one or
    its role requires one."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            next_url = _safe_next(request.args.get("next"))
            step = two_factor.second_step(user)
            if step is not None:
                return _begin_second_step(user, step, next_url)
            _complete_sign_in(user)
            return _signed_in_response(user, redirect(next_url))
        g.login_failed = True
        form.password.errors.append("The email or password is not correct.")
    return render_template("auth/login.html", form=form), 200


_CODE_LIMIT = dict(
    key_func=_pending_user_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-code",
    error_message="Too many wrong codes for this account. Wait a few minutes and try again.",
)


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_config_value("LOGIN_CODE_FAILURE_LIMIT"), **_CODE_LIMIT)
def sign_in_code():
    """The second step of sign-in: a code from the authenticator app, or a recovery code."""
    pending = _pending("code")
    if pending is None:
        return _pending_lost()
    user, next_url = pending
    form = CodeForm()
    if form.validate_on_submit():
        outcome = two_factor.check_code(user, form.code.data)
        if outcome == two_factor.ACCEPTED:
            _complete_sign_in(user)
            return _signed_in_response(user, redirect(next_url))
        db.session.rollback()
        g.login_failed = True
        form.code.errors.append(
            "This code has been used already: wait for the next one your app shows."
            if outcome == two_factor.USED
            else "That code is not correct. Type the code your app shows now, or one of your "
            "recovery codes."
        )
    return render_template("auth/sign_in_code.html", form=form, user=user)


@bp.route("/login/two-factor", methods=["GET", "POST"])
@public
@limiter.limit(_config_value("LOGIN_CODE_FAILURE_LIMIT"), **_CODE_LIMIT)
def sign_in_enrol():
    """The second step of sign-in for a role that requires a second factor and an account
    without one yet: set up an authenticator app, then continue signed in."""
    pending = _pending("enrol")
    if pending is None:
        return _pending_lost()
    user, next_url = pending
    form = EnrolForm()
    if form.validate_on_submit():
        with saving(form, field="code") as outcome:
            enrolment = two_factor.turn_on(user, _enrolment_secret(), form.code.data)
            _complete_sign_in(user)  # commits the second factor with the new session
        if outcome:
            flash("Two-factor sign-in is on.", "success")
            page = render_template(
                "auth/recovery_codes.html", codes=enrolment.recovery_codes, next_url=next_url
            )
            return _signed_in_response(user, make_response(page))
        g.login_failed = True
    return _enrolment_page(form, user, pending=True)


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
        with saving(form, field="current_password") as outcome:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
            # Every session ended; this browser continues in a fresh one.
            services.start_login_session(
                current_user, request.remote_addr, request.user_agent.string
            )
        if outcome:
            session.clear()
            session.permanent = True
            login_user(current_user._get_current_object())
            flash("Your password was changed. Other browsers have been signed out.", "success")
            return redirect(url_for("auth.account"))
    return _account_page(form, TurnOffForm())


def _account_page(form, turn_off_form, status: int = 200):
    """The account page with these two forms (one of them showing its problems)."""
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
        "auth/account.html",
        form=form,
        tokens=tokens,
        confirm_form=ConfirmForm(),
        turn_off_form=turn_off_form,
        two_factor_required=two_factor.required_for(current_user),
        recovery_codes_left=two_factor.recovery_codes_left(current_user),
    ), status


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


@bp.route("/account/two-factor", methods=["GET", "POST"])
@signed_in
def two_factor_setup():
    """Turn on two-factor sign-in: scan the QR code with an authenticator app, type its code."""
    if current_user.has_second_factor:
        flash("Two-factor sign-in is on already.", "info")
        return redirect(url_for("auth.account"))
    form = EnrolForm()
    if form.validate_on_submit():
        with saving(form, field="code") as outcome:
            enrolment = two_factor.turn_on(current_user, _enrolment_secret(), form.code.data)
        if outcome:
            session.pop(ENROLMENT_KEY, None)
            flash("Two-factor sign-in is on.", "success")
            return render_template(
                "auth/recovery_codes.html",
                codes=enrolment.recovery_codes,
                next_url=url_for("auth.account"),
            )
    return _enrolment_page(form, current_user, pending=False)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@signed_in
def new_recovery_codes():
    """Ten new recovery codes, shown once; the old ones stop working."""
    if not ConfirmForm().validate_on_submit() or not current_user.has_second_factor:
        flash("No codes were made: reload the page and try again.", "danger")
        return redirect(url_for("auth.account"))
    codes = two_factor.new_recovery_codes(current_user)
    db.session.commit()
    return render_template(
        "auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account")
    )


@bp.route("/account/two-factor/off", methods=["POST"])
@signed_in
def two_factor_off():
    """Turn two-factor sign-in off, with the password (only for roles that need not have it)."""
    form = TurnOffForm()
    if not form.validate_on_submit():
        form.password.errors = ["Type your password to turn two-factor sign-in off."]
        return _account_page(ChangePasswordForm(formdata=None), form, 422)
    try:
        two_factor.turn_off(current_user, form.password.data)
    except services.AuthError as exc:
        form.password.errors = [f"Two-factor sign-in is still on. {exc}"]
        return _account_page(ChangePasswordForm(formdata=None), form, 422)
    db.session.commit()
    flash("Two-factor sign-in is off.", "info")
    return redirect(url_for("auth.account"))


@bp.route("/account/sessions")
@signed_in
def login_sessions():
    """Where you are signed in: browser, address, since when, last seen."""
    hours = current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds() / 3600
    return render_template(
        "auth/sessions.html",
        login_sessions=services.open_login_sessions(current_user),
        this_session=hash_secret(current_user.login_token or ""),
        form=ConfirmForm(),
        lifetime_hours=f"{hours:g}",
    )


@bp.route("/account/sessions/end-others", methods=["POST"])
@signed_in
def end_other_sessions():
    """Sign out everywhere else: every session of yours but this one ends."""
    if ConfirmForm().validate_on_submit():
        ended = services.end_other_login_sessions(current_user, current_user.login_token)
        db.session.commit()
        flash(
            f"Signed out everywhere else ({ended} other session{'s' if ended != 1 else ''}).",
            "info",
        )
    return redirect(url_for("auth.login_sessions"))


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
        if new_account:
            message = "Your password is set. Welcome!"
        else:
            message = "Your new password is set. Other browsers have been signed out."
        # The link proves the mailbox, not the second factor: that is still asked for.
        step = two_factor.second_step(user)
        if step is not None:
            db.session.commit()
            return _begin_second_step(user, step, url_for("main.dashboard"), message)
        _complete_sign_in(user, message)
        return _signed_in_response(user, redirect(url_for("main.dashboard")))
    return render_template(
        "auth/invitation.html", form=form, user=user, new_account=new_account, error=None
    )


def _reset_email_key() -> str:
    return "reset-email:" + normalise_email(request.form.get("email", ""))


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
        with saving() as outcome:
            link = services.make_sign_in_link(current_user, user)
        if not outcome:
            return redirect(request.full_path.rstrip("?"))
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
